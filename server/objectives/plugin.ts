import fp from 'fastify-plugin';
import { ObjectiveRisk } from './risk.js';
import { objectiveRoutes } from './routes.js';
import { ObjectiveService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    objectives: ObjectiveService;
  }
}

export interface ObjectivesPluginOptions {
  /** How often every objective's chance is checked for "at risk" alerts (0: never); also at start. */
  checkMs: number;
  /** The hub's clock (forecasts start from it). */
  now?: () => number;
}

/** Objectives: targets for a KPI of a brand over a period, their progress and projection, their alerts. */
export default fp<ObjectivesPluginOptions>(
  async (app, { checkMs, now = Date.now }) => {
    const service = new ObjectiveService(app.db, app.kpis, app.forecasts, app.log, now);
    app.decorate('objectives', service);
    app.workspaces.onDelete((sql, workspace) => service.deleteWorkspace(sql, workspace.key));
    const risk = new ObjectiveRisk(app.alerts, service, app.workspaces, app.log, now);
    service.onChange((workspace, id, change) => {
      if (change === 'delete') risk.deleted(workspace, id);
      // A new target or threshold: its alert follows now rather than at the next check.
      else if (checkMs > 0) void risk.check();
    });
    if (checkMs > 0) {
      // Not awaited: a first fit of each forecast takes seconds, the hub answers meanwhile.
      app.addHook('onReady', async () => void risk.check());
      const timer = setInterval(() => void risk.check(), checkMs);
      timer.unref();
      app.addHook('onClose', async () => {
        clearInterval(timer);
        await risk.close();
      });
    }
    await app.register(objectiveRoutes, { objectives: service });
  },
  { name: 'objectives', dependencies: ['db', 'workspaces', 'kpi', 'forecast', 'alerts'] },
);
