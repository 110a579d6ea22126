import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import fp from 'fastify-plugin';
import { AlertOut } from '../../shared/schemas/live.js';
import { storedOrSkip } from '../db/stored.js';
import { AlertService, KEEP_ALERTS } from './alerts.js';
import { LiveEngine } from './engine.js';
import { QualityCounters } from './quality.js';
import { q } from './queries.js';
import { liveRoutes } from './routes.js';
import { DEFAULT_LIMITS, type SocketLimits } from './socket.js';

declare module 'fastify' {
  interface FastifyInstance {
    live: LiveEngine;
  }
}

export interface LivePluginOptions {
  tickMs: number;
  backlogBytes: number;
  /** Overrides of the socket and per-client bounds (DEFAULT_LIMITS otherwise). */
  limits?: Partial<SocketLimits>;
  /** First computations of new subscriptions run at a time, round-robin across clients (2). */
  firstComputations?: number;
}

/** The rolling engine on the writer's commits, and the live hub that pushes its changes. */
export default fp<LivePluginOptions>(
  async (app, { tickMs, backlogBytes, limits, firstComputations }) => {
    app.workspaces.onDelete((sql, workspace) => sql.script(q.deleteWorkspace, { ws: workspace.key }));

    const quality = new QualityCounters();
    const alerts = new AlertService(quality, (workspace, alert) => {
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
    const engine = new LiveEngine((nowMs) => ({ app, alerts, quality, nowMs }), app.log, {
      firstComputations,
    });
    app.decorate('live', engine);
    // "Data as of" survives a restart: the last commit time per workspace is stored (at most every
    // 10 s each) and seeds the engine at start.
    const stored = new Map<string, number>();
    for (const row of await app.db.read((sql) => sql.rows<{ ws: number; at: number }>(q.lastCommits))) {
      const workspace = keys.get(row.ws);
      if (workspace) {
        engine.seedLastCommit(workspace, row.at);
        stored.set(workspace, row.at);
      }
    }
    const storeLastCommits = async (everyChange = false) => {
      for (const { id } of app.workspaces.list()) {
        const at = engine.lastCommit(id);
        const ws = app.workspaces.get(id)?.key;
        if (at === undefined || ws === undefined || at === stored.get(id)) continue;
        if (!everyChange && at - (stored.get(id) ?? 0) < 10_000) continue;
        stored.set(id, at);
        await app.db
          .write((sql) => sql.script(q.putLastCommit, { ws, at: new Date(at).toISOString() }))
          .catch((err: unknown) => app.log.error({ err }, 'the last commit time could not be stored'));
      }
    };
    // A new epoch per start: clients holding seqs of an earlier run get snapshots.
    const epoch = randomUUID();

    app.ingest.writer.onCommit((changes) => {
      for (const change of changes) {
        quality.record(change);
        alerts.record(change);
      }
      engine.committed(changes);
    });

    app.workspaces.onDelete(async (_sql, workspace) => {
      quality.forget(workspace.id);
      alerts.forget(workspace.id);
    });
    app.kpis.onChange((workspace) => engine.invalidate(workspace));

    // Workspace edits (brands, zone) recompute everything of that workspace.
    const seen = new Map<string, string>();
    const tick = async () => {
      const nowMs = Date.now();
      for (const w of app.workspaces.list()) {
        if (seen.get(w.id) !== w.updatedAt) {
          if (seen.has(w.id)) engine.invalidate(w.id);
          seen.set(w.id, w.updatedAt);
        }
      }
      alerts.check(nowMs);
      void storeLastCommits();
      const started = performance.now();
      await engine.tick(nowMs);
      app.metrics.liveTickSeconds.observe((performance.now() - started) / 1000);
      const clients = [...(app.websocketServer?.clients ?? [])];
      app.metrics.liveClients.set(clients.length);
      app.metrics.livePendingFirstComputations.set(engine.pendingFirstComputations);
      app.metrics.liveBacklogBytes.set(Math.max(0, ...clients.map((c) => c.bufferedAmount)));
    };
    let running: Promise<void> = Promise.resolve();
    let busy = false;
    const timer = setInterval(() => {
      // A tick longer than TICK_MS delays the next one instead of overlapping it.
      if (busy) return;
      busy = true;
      running = tick()
        .catch((err: unknown) => app.log.error({ err }, 'live tick failed'))
        .finally(() => {
          busy = false;
        });
    }, tickMs);
    timer.unref();

    app.addHook('preClose', async () => {
      clearInterval(timer);
      await running;
      await storeLastCommits(true);
      // Clients reconnect to the next run (a new epoch).
      for (const client of app.websocketServer.clients) client.close(1001, 'server restarting');
    });
    // Added before the websocket plugin's own preClose, which closes sockets without a code.
    await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
    await app.register(liveRoutes, {
      engine,
      alerts,
      epoch,
      limits: { ...DEFAULT_LIMITS, backlogBytes, ...limits },
    });
  },
  { name: 'live', dependencies: ['db', 'ops', 'workspaces', 'kpi', 'ingest'] },
);
