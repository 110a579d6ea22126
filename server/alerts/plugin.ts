import fp from 'fastify-plugin';
import { AlertOut } from '../../shared/schemas/live.js';
import { storedOrSkip } from '../db/stored.js';
import { QualityCounters } from './quality.js';
import { q } from './queries.js';
import { alertRoutes } from './routes.js';
import { AlertService, KEEP_ALERTS } from './rules.js';

declare module 'fastify' {
  interface FastifyInstance {
    alerts: AlertService;
  }
}

export interface AlertsPluginOptions {
  /** How often the rules look for silent sources and bursts of rejected rows. */
  checkMs: number;
}

/** Data-quality alerts raised from the writer's commits, stored across restarts. */
export default fp<AlertsPluginOptions>(
  async (app, { checkMs }) => {
    const alerts = new AlertService(new QualityCounters(), (workspace, alert) => {
      const ws = app.workspaces.get(workspace)?.key;
      if (ws === undefined) return;
      app.db
        .write((sql) =>
          sql.script(q.putAlert, { ws, id: alert.id, at: alert.at, body: JSON.stringify(alert) }),
        )
        .catch((err: unknown) => app.log.error({ err }, 'an alert could not be stored'));
    });
    const keys = new Map(app.workspaces.list().map((w) => [app.workspaces.get(w.id)!.key, w.id]));
    for (const row of await app.db.read((sql) =>
      sql.rows<{ ws: number; id: string; body: string }>(q.alerts, { keep: KEEP_ALERTS }),
    )) {
      const workspace = keys.get(row.ws);
      const at = { table: 'alerts', what: 'alert', workspace, id: row.id };
      const alert = workspace && storedOrSkip(app.log, AlertOut, row.body, at);
      if (alert) alerts.restore(workspace, alert);
    }
    app.decorate('alerts', alerts);

    app.ingest.writer.onCommit((changes) => {
      for (const change of changes) {
        alerts.quality.record(change);
        alerts.record(change);
      }
    });
    app.workspaces.onDelete(async (sql, workspace) => {
      await sql.run(q.deleteWorkspace, { ws: workspace.key });
      alerts.quality.forget(workspace.id);
      alerts.forget(workspace.id);
    });

    const timer = setInterval(() => alerts.check(Date.now()), checkMs);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
    await app.register(alertRoutes, { alerts });
  },
  { name: 'alerts', dependencies: ['db', 'workspaces', 'ingest'] },
);
