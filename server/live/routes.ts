import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { LiveEngine } from '../engine/engine.js';
import { clientKey } from './client-key.js';
import { ClientShares, serveSocket, type SocketLimits } from './socket.js';

export interface LiveRouteOptions {
  engine: LiveEngine;
  epoch: string;
  limits: SocketLimits;
}

export const liveRoutes: FastifyPluginAsyncTypebox<LiveRouteOptions> = async (
  app,
  { engine, epoch, limits },
) => {
  const clients = new ClientShares();
  app.get(
    '/api/v1/live',
    {
      websocket: true,
      schema: {
        tags: ['live'],
        summary: 'Live websocket: subscribe to tiles, benchmark, series, quality and alerts',
        description:
          'JSON messages tagged by type (shared/schemas/live.ts). Client: subscribe {id, topic, params, resumeFrom?}, unsubscribe {id}, ping. Server: welcome {epoch}, snapshot {id, seq, asOf, data}, delta {id, seq, asOf, changes}, error, pong, heartbeat.',
      },
    },
    (socket, request) =>
      serveSocket(socket, { engine, epoch, log: app.log, limits, clients, client: clientKey(request) }),
  );
};
