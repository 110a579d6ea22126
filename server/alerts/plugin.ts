import fp from 'fastify-plugin';
import { AlertOut } from '../../shared/schemas/live.js';
import { storedOrSkip } from '../db/stored.js';
import { AlertRuleService } from './alert-rules.js';
import { QualityCounters } from './quality.js';
import { q } from './queries.js';
import { alertRuleRoutes } from './rule-routes.js';
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
  /** How often the workspaces' alert rules are evaluated. */
  ruleMs: number;
  /** The clock the alert rules are evaluated by (tests move it). */
  now?: () => number;
}

/**
 * Alerts, stored across restarts: data-quality alerts raised from the writer's commits, and the
 * workspaces' alert rules (anomalies and objectives raise theirs through `app.alerts`).
 */
export default fp<AlertsPluginOptions>(
  async (app, { checkMs, ruleMs, now = Date.now }) => {
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
    const rules = new AlertRuleService(app.db, app.workspaces, app.kpis, alerts, app.log, now);
    await rules.init();
    app.workspaces.onDelete(async (sql, workspace) => {
      await sql.run(q.deleteWorkspace, { ws: workspace.key });
      await rules.deleteWorkspace(sql, workspace.key);
      alerts.quality.forget(workspace.id);
      alerts.forget(workspace.id);
    });

    const timer = setInterval(() => alerts.check(Date.now()), checkMs);
    timer.unref();
    // Each run evaluates every rule; one that fails is logged by the service and the others go on.
    const ruleTimer = setInterval(() => {
      rules.evaluateAll().catch((err: unknown) => app.log.error({ err }, 'the alert rules could not run'));
    }, ruleMs);
    ruleTimer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer);
      clearInterval(ruleTimer);
      await rules.idle();
    });
    await app.register(alertRoutes, { alerts });
    await app.register(alertRuleRoutes, { rules });
  },
  { name: 'alerts', dependencies: ['db', 'workspaces', 'ingest', 'kpi'] },
);
