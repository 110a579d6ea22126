import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { q } from './queries.js';
import { IngestGate } from './admission.js';
import { quarantineRoutes } from './quarantine.routes.js';
import { ingestRoutes } from './routes.js';
import { IngestService } from './service.js';
import { Writer } from './writer.js';

declare module 'fastify' {
  interface FastifyInstance {
    ingest: IngestService;
  }
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    const gate = new IngestGate(
      {
        inflightBytes: config.ingestInflightMb * 1024 * 1024,
        queueRows: config.ingestQueueRows,
      },
      () => writer.depth,
    );
    const writer = new Writer(
      app.db,
      app.rollups,
      app.rollups.seriesIds,
      app.workspaces,
      { queueRows: config.ingestQueueRows, maxCommitRows: config.maxCommitRows },
      app.log,
      {
        committed: (accepted, rejected, seconds) => {
          app.metrics.committed(accepted, rejected, seconds);
          gate.committed(accepted + rejected);
        },
        queueDepth: (rows) => app.metrics.queued(rows),
      },
    );
    await writer.init();
    const service = new IngestService(app.db, writer, gate, config);
    app.decorate('ingest', service);
    app.workspaces.onDelete(async (sql, workspace) => {
      for (const statement of q.deleteWorkspace) await sql.run(statement, { ws: workspace.key });
    });
    await app.register(ingestRoutes, {
      maxBodyMb: config.maxBodyMb,
      upload: { minBytesPerSecond: config.minBodyBytesPerSecond, rateWindowMs: config.bodyRateWindowMs },
    });
    await app.register(quarantineRoutes);

    let purging: Promise<void> = Promise.resolve();
    const purge = () => {
      purging = service
        .purgeExpired()
        .catch((err: unknown) => app.log.error({ err }, 'retention purge failed'));
    };
    if (config.retentionIntervalMs > 0) {
      const timer = setInterval(purge, config.retentionIntervalMs);
      timer.unref();
      app.addHook('onReady', async () => purge());
      app.addHook('onClose', async () => clearInterval(timer));
    }
    // Stop taking writes and commit what was acknowledged-to-be before the database closes.
    app.addHook('preClose', async () => {
      await writer.drain();
      await purging;
    });
  },
  { name: 'ingest', dependencies: ['db', 'workspaces', 'rollups', 'ops'] },
);
