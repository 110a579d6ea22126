import fp from 'fastify-plugin';
import { Type } from 'typebox';
import { Metrics } from './metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export default fp(
  async (app) => {
    const metrics = new Metrics();
    app.decorate('metrics', metrics);
    let ready = false;
    app.addHook('onReady', async () => {
      ready = true;
    });
    app.addHook('preClose', async () => {
      ready = false;
    });

    app.get(
      '/healthz',
      {
        schema: {
          tags: ['ops'],
          summary: 'The process is alive',
          response: { 200: Type.Object({ status: Type.Literal('ok') }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    );
    app.get(
      '/readyz',
      {
        schema: {
          tags: ['ops'],
          summary: 'The database answers and the hub takes writes',
          response: {
            200: Type.Object({ status: Type.Literal('ready'), queueRows: Type.Integer() }),
            503: Type.Object({ status: Type.Literal('not_ready'), reason: Type.String() }),
          },
        },
      },
      async (_request, reply) => {
        if (!ready)
          return reply.code(503).send({ status: 'not_ready' as const, reason: 'starting or closing' });
        try {
          await app.db.read((sql) => sql.one('SELECT 1 AS ok'));
        } catch (error) {
          return reply
            .code(503)
            .send({ status: 'not_ready' as const, reason: `database: ${(error as Error).message}` });
        }
        return { status: 'ready' as const, queueRows: metrics.queueRows };
      },
    );
    app.get(
      '/metrics',
      { schema: { tags: ['ops'], summary: 'Prometheus metrics', hide: false } },
      async (_request, reply) => {
        reply.type(metrics.registry.contentType);
        return metrics.registry.metrics();
      },
    );
  },
  { name: 'ops', dependencies: ['db'] },
);
