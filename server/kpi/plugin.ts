import fp from 'fastify-plugin';
import { kpiRoutes } from './routes.js';
import { KpiService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    kpis: KpiService;
  }
}

export default fp(
  async (app) => {
    const service = new KpiService(app.db, app.rollups, app.log);
    await service.init((ws) => app.workspaces.byKey(ws)?.id ?? `#${ws}`);
    app.decorate('kpis', service);
    app.workspaces.onDelete((sql, workspace) => service.deleteWorkspace(sql, workspace.key));
    await app.register(kpiRoutes);
  },
  { name: 'kpi', dependencies: ['db', 'workspaces', 'rollups'] },
);
