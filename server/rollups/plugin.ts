import fp from 'fastify-plugin';
import { RollupService } from './service.js';
import { rollupRoutes } from './routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    rollups: RollupService;
  }
}

export interface RollupPluginOptions {
  compactIntervalMs: number;
}

export default fp<RollupPluginOptions>(
  async (app, options) => {
    const service = new RollupService(app.db);
    await service.init();
    app.decorate('rollups', service);
    app.workspaces.onDelete((sql, workspace) => service.deleteWorkspace(sql, workspace.key));
    app.workspaces.onTimezoneChange((sql, workspace) =>
      service.rebuildDays(sql, workspace.key, workspace.timezone),
    );
    await app.register(rollupRoutes);

    if (options.compactIntervalMs > 0) {
      let running: Promise<unknown> = Promise.resolve();
      const timer = setInterval(() => {
        running = service
          .compact()
          .then((merged) => merged > 0 && app.log.debug({ merged }, 'rollups compacted'))
          .catch((err: unknown) => app.log.error({ err }, 'rollup compaction failed'));
      }, options.compactIntervalMs);
      timer.unref();
      app.addHook('preClose', async () => {
        clearInterval(timer);
        service.stopCompaction();
        await running;
      });
    }
  },
  { name: 'rollups', dependencies: ['db', 'workspaces'] },
);
