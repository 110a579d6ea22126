import fp from 'fastify-plugin';
import { reportRoutes } from './routes.js';
import { ReportService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    reports: ReportService;
  }
}

/** Scheduled e-mail reports (issue 13): their definitions and schedules so far; sending is to come. */
export default fp<{ now?: () => number }>(
  async (app, { now }) => {
    const service = new ReportService(app.db, app.kpis, app.log, now);
    app.decorate('reports', service);
    app.workspaces.onDelete((sql, workspace) => service.deleteWorkspace(sql, workspace.key));
    await app.register(reportRoutes, { reports: service });
  },
  { name: 'reports', dependencies: ['db', 'workspaces', 'kpi'] },
);
