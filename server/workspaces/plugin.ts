import fp from 'fastify-plugin';
import { WorkspaceService } from './service.js';
import { workspaceRoutes } from './routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    workspaces: WorkspaceService;
  }
}

export default fp(
  async (app) => {
    const service = new WorkspaceService(app.db);
    await service.init(app.log);
    app.decorate('workspaces', service);
    await app.register(workspaceRoutes);
  },
  { name: 'workspaces', dependencies: ['db', 'auth'] },
);
