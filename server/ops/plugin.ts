import fp from 'fastify-plugin';
import { Type } from 'typebox';
import { answer } from '../http/openapi.js';
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
          operationId: 'getHealth',
          summary: 'The process is alive',
          description:
            'Liveness probe: answers 200 as long as the process serves HTTP, without touching the database. Use /readyz to know whether the hub takes writes.',
          response: { 200: answer(Type.Object({ status: Type.Literal('ok') }), 'The process is alive.') },
        },
      },
      async () => ({ status: 'ok' as const }),
    );
    app.get(
      '/readyz',
      {
        schema: {
          tags: ['ops'],
          operationId: 'getReadiness',
          summary: 'The database answers and the hub takes writes',
          description:
            'Readiness probe for a load balancer or orchestrator: 200 once the hub has started and its database answers, with the rows waiting for the writer; 503 while it starts or closes, or when the database fails. Its 503 has its own body (`status`, `reason`), not the ErrorBody of the API.',
          response: {
            200: answer(
              Type.Object({
                status: Type.Literal('ready'),
                queueRows: Type.Integer({ description: 'rows waiting for the writer' }),
              }),
              'Ready: the database answers and writes are taken.',
            ),
            503: answer(
              Type.Object({ status: Type.Literal('not_ready'), reason: Type.String() }),
              'Not ready: starting, closing, or the database does not answer (`reason` says which).',
            ),
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
      {
        schema: {
          tags: ['ops'],
          operationId: 'getMetrics',
          summary: 'Prometheus metrics',
          description:
            'The hub’s metrics in the Prometheus text format, for a Prometheus scrape: rows accepted and rejected, commit latency, the ingest queue depth, the live engine’s tick time, live clients, their largest backlog and first computations waiting, and the process’s own (memory, CPU, event loop), all prefixed `convergence_`.',
          response: {
            200: {
              description: 'The metrics, in the Prometheus text exposition format (version 0.0.4).',
              content: { 'text/plain': { schema: Type.String() } },
            },
          },
        },
      },
      async (_request, reply) => {
        reply.type(metrics.registry.contentType);
        return metrics.registry.metrics();
      },
    );
  },
  { name: 'ops', dependencies: ['db'] },
);
