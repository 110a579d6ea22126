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
    app.decorate('kpis', new KpiService(app.rollups));
    await app.register(kpiRoutes);
  },
  { name: 'kpi', dependencies: ['workspaces', 'rollups'] },
);
