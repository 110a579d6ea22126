import fp from 'fastify-plugin';
import { objectiveRoutes } from './routes.js';
import { ObjectiveService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    objectives: ObjectiveService;
  }
}

/** Objectives: targets for a KPI of a brand over a period, with their progress. */
export default fp(
  async (app) => {
    const service = new ObjectiveService(app.db, app.kpis, app.log);
    app.decorate('objectives', service);
    app.workspaces.onDelete((sql, workspace) => service.deleteWorkspace(sql, workspace.key));
    await app.register(objectiveRoutes, { objectives: service });
  },
  { name: 'objectives', dependencies: ['db', 'workspaces', 'kpi'] },
);
