import fp from 'fastify-plugin';
import { KPIS } from '../../shared/kpis.js';
import { WallService } from '../wall/service.js';
import { AnomalyDetector, type DetectorSettings } from './detector.js';
import { AnomalyHistoryService } from './history.js';
import { warmMessageFormats } from './message.js';
import { anomalyRoutes } from './routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    anomalies: AnomalyDetector;
  }
}

export interface AnomaliesPluginOptions extends DetectorSettings {
  /** How often the detector looks whether an hour closed or late rows landed. */
  checkMs: number;
  /** The clock buckets close by (tests move it). */
  now?: () => number;
  /** How long GET …/anomalies waits for its computation before answering what is done. */
  waitMs?: number;
}

/** Anomaly alerts on every watched KPI, and the history of what they would have flagged. */
export default fp<AnomaliesPluginOptions>(
  async (app, { checkMs, now = Date.now, waitMs = 2_000, ...settings }) => {
    const detector = new AnomalyDetector(
      {
        workspaces: app.workspaces,
        kpis: app.kpis,
        forecasts: app.forecasts,
        alerts: app.alerts,
        rollups: app.rollups,
        wall: new WallService(app.db, app.kpis),
        log: app.log,
      },
      settings,
    );
    const history = new AnomalyHistoryService(app.kpis, app.forecasts, settings);
    warmMessageFormats(KPIS);
    app.decorate('anomalies', detector);

    app.ingest.writer.onCommit((changes) => {
      for (const change of changes) {
        detector.committed(change, now());
        history.changed(change.workspaceKey, change.fromMs, change.toMs);
      }
    });
    const forget = (id: string) => {
      detector.forget(id);
      const ws = app.workspaces.get(id)?.key;
      if (ws !== undefined) history.forget(ws);
    };
    app.workspaces.onChange(forget);
    app.kpis.onChange(forget);
    app.workspaces.onDelete(async (_sql, workspace) => {
      detector.forget(workspace.id);
      history.forget(workspace.key);
    });

    let running: Promise<void> = Promise.resolve();
    let busy = false;
    const timer = setInterval(() => {
      // A refit can outlast the interval: the next check waits for it instead of overlapping.
      if (busy) return;
      busy = true;
      running = detector
        .tick(now())
        .catch((err: unknown) => app.log.error({ err }, 'anomaly check failed'))
        .finally(() => {
          busy = false;
        });
    }, checkMs);
    timer.unref();
    app.addHook('preClose', async () => {
      clearInterval(timer);
      detector.stop();
      await running;
    });
    await app.register(anomalyRoutes, { history, now, waitMs });
  },
  { name: 'anomalies', dependencies: ['db', 'workspaces', 'kpi', 'forecast', 'alerts', 'rollups', 'ingest'] },
);
