import fp from 'fastify-plugin';
import { BucketMemo } from './bucket-memo.js';
import { LiveEngine } from './engine.js';
import { q } from './queries.js';
import type { EngineServices } from './topics.js';

declare module 'fastify' {
  interface FastifyInstance {
    engine: LiveEngine;
  }
}

export interface EnginePluginOptions {
  tickMs: number;
  /** First computations of new subscriptions run at a time, round-robin across clients (2). */
  firstComputations?: number;
}

/** The rolling engine: topic computations kept current on the writer's commits and the clock. */
export default fp<EnginePluginOptions>(
  async (app, { tickMs, firstComputations }) => {
    const services: EngineServices = {
      kpis: app.kpis,
      workspaces: app.workspaces,
      ingest: app.ingest,
      alerts: app.alerts,
      memo: new BucketMemo(),
    };
    const engine = new LiveEngine((nowMs) => ({ ...services, nowMs }), app.log, { firstComputations });
    app.decorate('engine', engine);

    // "Data as of" survives a restart: the last commit time per workspace is stored (at most every
    // 10 s each) and seeds the engine at start.
    const keys = new Map(app.workspaces.list().map((w) => [app.workspaces.get(w.id)!.key, w.id]));
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

    app.ingest.writer.onCommit((changes) => {
      for (const change of changes) services.memo.committed(change);
      engine.committed(changes);
    });
    app.workspaces.onDelete((sql, workspace) => {
      // A workspace made again under the same id starts without the old one's buckets.
      services.memo.invalidate(workspace.id);
      return sql.run(q.deleteWorkspace, { ws: workspace.key });
    });
    // Edits of a workspace (brands, zone) or of its KPI definitions recompute all of its topics.
    const invalidate = (workspace: string) => {
      services.memo.invalidate(workspace);
      engine.invalidate(workspace);
    };
    app.workspaces.onChange(invalidate);
    app.kpis.onChange(invalidate);

    const tick = async () => {
      void storeLastCommits();
      const started = performance.now();
      await engine.tick(Date.now());
      app.metrics.liveTickSeconds.observe((performance.now() - started) / 1000);
      app.metrics.livePendingFirstComputations.set(engine.pendingFirstComputations);
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
    });
  },
  { name: 'engine', dependencies: ['db', 'ops', 'workspaces', 'kpi', 'ingest', 'alerts'] },
);
