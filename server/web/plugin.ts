import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';
import { routeNotFound } from '../errors.js';

/** The built web app (vite build → dist/web), from the source tree or from dist/server. */
function webRoot(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, 'dist', 'web');
    if (fs.existsSync(path.join(candidate, 'index.html'))) return candidate;
    dir = path.dirname(dir);
  }
  return undefined;
}

/** Serves the dashboard at `/`; /api, /docs and the ops routes stay the server's. */
export default fp(
  async (app) => {
    const root = webRoot();
    app.setNotFoundHandler((request, reply) => {
      const url = request.url.split('?')[0]!;
      // Routes of the single-page app (/wall, /explorer …) answer its index.html.
      const isApp =
        root !== undefined &&
        request.method === 'GET' &&
        !path.extname(url) &&
        !/^\/(api|docs|openapi\.json|healthz|readyz|metrics)(\/|$)/.test(url);
      if (isApp) return reply.type('text/html; charset=utf-8').sendFile('index.html');
      return reply.code(404).send(routeNotFound(request.method, request.url).toBody());
    });
    if (!root) {
      app.log.warn('the web app is not built (npm run build:web): / shows how to build it');
      app.get('/', { schema: { hide: true } }, async (_request, reply) =>
        reply
          .type('text/html; charset=utf-8')
          .send(
            '<!doctype html><meta charset="utf-8"><title>Convergence</title>' +
              '<p>The dashboard is not built yet: run <code>npm run build:web</code> (or <code>npm start</code>). ' +
              'The API is documented at <a href="/docs">/docs</a>.</p>',
          ),
      );
      return;
    }
    await app.register(fastifyStatic, { root, prefix: '/', wildcard: false, index: ['index.html'] });
  },
  { name: 'web' },
);
