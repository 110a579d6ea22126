import fp from 'fastify-plugin';
import { wallRoutes } from './routes.js';
import { WallService } from './service.js';

/** The live wall's layout per workspace. */
export default fp(
  async (app) => {
    const walls = new WallService(app.db, app.kpis);
    app.workspaces.onDelete((sql, workspace) => walls.deleteWorkspace(sql, workspace.key));
    await app.register(wallRoutes, { walls });
  },
  { name: 'wall', dependencies: ['db', 'workspaces', 'kpi'] },
);
