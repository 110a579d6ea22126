import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import fp from 'fastify-plugin';
import { liveRoutes } from './routes.js';
import { DEFAULT_LIMITS, type SocketLimits } from './socket.js';

export interface LivePluginOptions {
  backlogBytes: number;
  /** Overrides of the socket and per-client bounds (DEFAULT_LIMITS otherwise). */
  limits?: Partial<SocketLimits>;
}

/** The live hub: the websocket that pushes the engine's changes to clients. */
export default fp<LivePluginOptions>(
  async (app, { backlogBytes, limits }) => {
    // A new epoch per start: clients holding seqs of an earlier run get snapshots.
    const epoch = randomUUID();
    const gauges = setInterval(() => {
      const clients = [...(app.websocketServer?.clients ?? [])];
      app.metrics.liveClients.set(clients.length);
      app.metrics.liveBacklogBytes.set(Math.max(0, ...clients.map((c) => c.bufferedAmount)));
    }, 1_000);
    gauges.unref();
    app.addHook('preClose', async () => {
      clearInterval(gauges);
      // Clients reconnect to the next run (a new epoch).
      for (const client of app.websocketServer.clients) client.close(1001, 'server restarting');
    });
    // Added before the websocket plugin's own preClose, which closes sockets without a code.
    await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
    await app.register(liveRoutes, {
      engine: app.engine,
      epoch,
      limits: { ...DEFAULT_LIMITS, backlogBytes, ...limits },
    });
  },
  { name: 'live', dependencies: ['ops', 'engine', 'auth'] },
);
