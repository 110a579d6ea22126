import fp from 'fastify-plugin';
import { peopleRoutes } from './routes.js';

// Members, keys and the audit log of each workspace: they go with the workspace when it is deleted.
export default fp(
  async (app) => {
    app.workspaces.onDelete((sql, workspace) => app.auth.deleteWorkspace(sql, workspace.id));
    await app.register(peopleRoutes);
  },
  { name: 'people', dependencies: ['auth', 'workspaces'] },
);
