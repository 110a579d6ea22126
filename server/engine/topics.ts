import { formulaMetrics } from '../../shared/kpis.js';
import { alertKey, pointKey, rowKey, tileKey, type Topic } from '../../shared/live.js';
import type {
  BenchmarkParams,
  SeriesParams,
  Subscribe,
  Tile,
  TilesParams,
  TopicData,
} from '../../shared/schemas/live.js';
import { currentBucketStart, HOUR, iso, type Window, zoneOf } from '../../shared/time.js';
import type { AlertService } from '../alerts/rules.js';
import type { BucketMemo } from './bucket-memo.js';
import { faults } from '../errors.js';
import type { IngestService } from '../ingest/service.js';
import type { KpiService } from '../kpi/service.js';
import { resolveWindow } from '../kpi/windows.js';
import type { WorkspaceService, WorkspaceState } from '../workspaces/service.js';

/** What a computation of a topic reads, so that the engine knows when to run it again. */
export interface Dependency {
  workspace: string;
  /** Metrics it reads; undefined: any (DPI, custom KPIs, quality, alerts). */
  metrics?: Set<string>;
  /** The earliest event instant it reads: older commits cannot change it. */
  sinceMs: number;
  /** Changes when its windows move (relative windows once a minute, calendar ones at midnight). */
  windowKey: string;
}

/** A topic's data (its schema in shared/schemas/live-data.ts), and what it read. */
export interface Computed<T extends Topic = Topic> {
  data: TopicData<T>;
  dependency: Dependency;
}

/** What the topics read: the services, handed to the engine by its plugin. */
export interface EngineServices {
  kpis: KpiService;
  workspaces: WorkspaceService;
  ingest: Pick<IngestService, 'quarantineCounts'>;
  alerts: AlertService;
  /** Closed buckets of series computed bucket by bucket, kept between ticks. */
  memo: BucketMemo;
}

export interface TopicContext extends EngineServices {
  nowMs: number;
}

function workspaceOf(ctx: TopicContext, id: string): WorkspaceState {
  const workspace = ctx.workspaces.get(id);
  if (!workspace) {
    // The same code as over HTTP: a screen tells a deleted workspace from a missing KPI by it.
    throw faults.unknownWorkspace(id);
  }
  return workspace;
}

/** The metrics a KPI reads, or undefined when it reads the whole catalogue or a formula's own. */
function metricsOf(ctx: TopicContext, workspace: WorkspaceState, kpis: string[]): Set<string> | undefined {
  const metrics = new Set<string>();
  for (const id of kpis) {
    const kpi = ctx.kpis.referencedKpi(workspace, id);
    if (kpi.formula.kind === 'dpi' || kpi.formula.kind === 'custom') return undefined;
    for (const m of formulaMetrics(kpi.formula)) metrics.add(m);
  }
  return metrics;
}

/** Levels (gauges) as of a window's bounds read the whole history before it. */
function sinceOf(ctx: TopicContext, workspace: WorkspaceState, kpis: string[], fromMs: number): number {
  const kinds = kpis.map((id) => ctx.kpis.referencedKpi(workspace, id).formula.kind);
  return kinds.some((k) => k === 'level' || k === 'growth' || k === 'custom' || k === 'dpi')
    ? -Infinity
    : fromMs;
}

const keyOf = (window: Window) => `${window.fromMs}:${window.toMs}`;

/** A named window as of the context's clock, in the workspace's zone. */
const liveWindow = (ctx: TopicContext, workspace: WorkspaceState, name: string) =>
  resolveWindow({ window: name, atMs: ctx.nowMs }, workspace.timezone, ctx.nowMs);

/** The series topic's window when none is named: a day of hours, or a month of days. */
const seriesWindowName = (p: SeriesParams) => p.window ?? (p.grain === 'hour' ? '24h' : '30d');

interface Sparkline {
  values: (number | null)[];
  /** Its last point is the bucket still filling. */
  provisional: boolean;
}

/** Sparklines: hours for windows of a day or less, days beyond. */
async function sparklineOf(
  ctx: TopicContext,
  workspace: WorkspaceState,
  kpi: string,
  brand: string,
  window: Window,
): Promise<Sparkline> {
  const grain = window.toMs - window.fromMs <= 86_400_000 ? 'hour' : 'day';
  if (ctx.kpis.referencedKpi(workspace, kpi).formula.kind === 'dpi') {
    return memoizedSparkline(ctx, workspace, kpi, brand, grain, window);
  }
  const series = await ctx.kpis.series(workspace, kpi, { grain, window, brands: [brand], nowMs: ctx.nowMs });
  return { values: series.series[0]!.values, provisional: series.provisional?.at(-1) === true };
}

/**
 * The DPI scores the whole catalogue at each point, bucket by bucket: a day of them on every tick
 * would cost ~20 times the rest of a tile. The closed buckets come from the memo; only the first
 * one missing and those after it (on a quiet tick, the one still filling) are computed.
 */
async function memoizedSparkline(
  ctx: TopicContext,
  workspace: WorkspaceState,
  kpi: string,
  brand: string,
  grain: 'hour' | 'day',
  window: Window,
): Promise<Sparkline> {
  const zone = zoneOf(workspace.timezone);
  const key = `${kpi}\u0000${brand}\u0000${grain}`;
  const current = currentBucketStart(grain, ctx.nowMs, zone);
  // Day buckets are local days of 23 to 25 hours: 30 hours on is always inside the next one.
  const next = (start: number) =>
    currentBucketStart(grain, start + (grain === 'hour' ? HOUR : 30 * HOUR), zone);
  const cached: (number | null)[] = [];
  let from = currentBucketStart(grain, window.fromMs, zone);
  for (; from < current && from < window.toMs; from = next(from)) {
    const value = ctx.memo.get(workspace.id, key, from);
    if (value === undefined) break;
    cached.push(value);
  }
  const generation = ctx.memo.generation(workspace.id);
  const rest =
    from < window.toMs
      ? await ctx.kpis.series(workspace, kpi, {
          grain,
          window: { fromMs: Math.max(from, window.fromMs), toMs: window.toMs },
          brands: [brand],
          nowMs: ctx.nowMs,
        })
      : undefined;
  const values = rest?.series[0]!.values ?? [];
  rest?.buckets.forEach((label, i) => {
    const fromMs = Date.parse(label);
    if (fromMs < current) {
      ctx.memo.set(workspace.id, generation, key, { fromMs, toMs: next(fromMs) }, values[i] ?? null);
    }
  });
  return { values: [...cached, ...values], provisional: rest?.provisional?.at(-1) === true };
}

async function tiles(ctx: TopicContext, p: TilesParams): Promise<Computed<'tiles'>> {
  const workspace = workspaceOf(ctx, p.workspace);
  const brand = p.brand ?? workspace.brands.find((b) => b.own)!.id;
  if (!workspace.brands.some((b) => b.id === brand)) {
    throw faults.invalidQuery(
      `Brand "${brand}" is not in the set of "${workspace.id}".`,
      'Pick one of its brands.',
    );
  }
  const { window, previous } = liveWindow(ctx, workspace, p.window);
  const data: TopicData<'tiles'> = {
    window: {
      from: iso(window.fromMs),
      to: iso(window.toMs),
      previousFrom: iso(previous.fromMs),
      previousTo: iso(previous.toMs),
    },
  };
  for (const id of p.kpis) {
    const kpi = ctx.kpis.referencedKpi(workspace, id);
    const bench = await ctx.kpis.benchmark(workspace, id, { window, previous });
    const row = bench.rows.find((r) => r.brand === brand)!;
    const sparkline = await sparklineOf(ctx, workspace, id, brand, window);
    const tile: Tile = {
      kpi: id,
      label: kpi.label,
      unit: kpi.unit,
      direction: kpi.direction,
      value: row.value,
      previous: row.previous,
      delta: row.delta,
      deltaPct: row.deltaPct,
      rank: row.rank,
      ranked: bench.rows.filter((r) => r.rank !== null).length,
      sparkline: sparkline.values,
      sparklineProvisional: sparkline.provisional,
      ...(row.lowVolume ? { lowVolume: row.lowVolume, volume: row.volume } : {}),
    };
    data[tileKey(id)] = tile;
  }
  return {
    data,
    dependency: {
      workspace: workspace.id,
      metrics: metricsOf(ctx, workspace, p.kpis),
      sinceMs: sinceOf(ctx, workspace, p.kpis, previous.fromMs),
      windowKey: keyOf(window),
    },
  };
}

async function benchmark(ctx: TopicContext, p: BenchmarkParams): Promise<Computed<'benchmark'>> {
  const workspace = workspaceOf(ctx, p.workspace);
  const { window, previous } = liveWindow(ctx, workspace, p.window);
  const bench = await ctx.kpis.benchmark(workspace, p.kpi, {
    window,
    previous,
    touchpoints: p.touchpoint === undefined ? undefined : [p.touchpoint],
  });
  const data: TopicData<'benchmark'> = {
    kpi: bench.kpi,
    window: bench.window,
    previousWindow: bench.previousWindow,
    set: bench.set,
  };
  for (const row of bench.rows) data[rowKey(row.brand)] = row;
  return {
    data,
    dependency: {
      workspace: workspace.id,
      metrics: metricsOf(ctx, workspace, [p.kpi]),
      sinceMs: sinceOf(ctx, workspace, [p.kpi], previous.fromMs),
      windowKey: keyOf(window),
    },
  };
}

async function series(ctx: TopicContext, p: SeriesParams): Promise<Computed<'series'>> {
  const workspace = workspaceOf(ctx, p.workspace);
  const { window } = liveWindow(ctx, workspace, seriesWindowName(p));
  const answer = await ctx.kpis.series(workspace, p.kpi, {
    grain: p.grain,
    window,
    brands: p.brands,
    nowMs: ctx.nowMs,
  });
  const data: TopicData<'series'> = {};
  answer.buckets.forEach((bucket, i) => {
    data[pointKey(bucket)] = {
      bucket,
      values: Object.fromEntries(answer.series.map((s) => [s.brand, s.values[i] ?? null])),
      ...(answer.provisional?.[i] === true ? { provisional: true } : {}),
    };
  });
  return {
    data,
    dependency: {
      workspace: workspace.id,
      metrics: metricsOf(ctx, workspace, [p.kpi]),
      // The first bucket may start before the window (a whole day or week).
      sinceMs: sinceOf(ctx, workspace, [p.kpi], window.fromMs - 7 * 86_400_000),
      windowKey: keyOf(window),
    },
  };
}

async function quality(ctx: TopicContext, workspaceId: string): Promise<Computed<'quality'>> {
  const workspace = workspaceOf(ctx, workspaceId);
  const quarantined = await ctx.ingest.quarantineCounts(workspace);
  return {
    data: { counters: ctx.alerts.quality.of(workspace.id, quarantined, ctx.nowMs) },
    // The per-minute counters move with the clock.
    dependency: {
      workspace: workspace.id,
      sinceMs: -Infinity,
      windowKey: windowKey(ctx, { topic: 'quality', params: { workspace: workspaceId } }),
    },
  };
}

async function alerts(ctx: TopicContext, workspaceId: string): Promise<Computed<'alerts'>> {
  const workspace = workspaceOf(ctx, workspaceId);
  const data: TopicData<'alerts'> = {};
  for (const alert of ctx.alerts.list(workspace.id).slice(0, 50)) data[alertKey(alert.id)] = alert;
  return {
    data,
    dependency: {
      workspace: workspace.id,
      sinceMs: -Infinity,
      windowKey: windowKey(ctx, { topic: 'alerts', params: { workspace: workspaceId } }),
    },
  };
}

/**
 * What moves a computation's windows at `nowMs`, cheaply: the engine recomputes when it differs
 * from the key its last computation returned.
 */
export function windowKey(ctx: TopicContext, subscription: Pick<Subscribe, 'topic' | 'params'>): string {
  const s = subscription as Subscribe;
  switch (s.topic) {
    case 'tiles':
    case 'benchmark':
    case 'series': {
      const workspace = ctx.workspaces.get(s.params.workspace);
      if (!workspace) return 'gone';
      const name = s.topic === 'series' ? seriesWindowName(s.params) : s.params.window;
      return keyOf(liveWindow(ctx, workspace, name).window);
    }
    case 'quality':
      return String(Math.floor(ctx.nowMs / 10_000));
    case 'alerts':
      return String(ctx.alerts.version(s.params.workspace));
  }
}

/** A topic's data for its parameters, as of `ctx.nowMs`. */
export function compute(
  ctx: TopicContext,
  subscription: Pick<Subscribe, 'topic' | 'params'>,
): Promise<Computed> {
  const s = subscription as Subscribe;
  switch (s.topic) {
    case 'tiles':
      return tiles(ctx, s.params);
    case 'benchmark':
      return benchmark(ctx, s.params);
    case 'series':
      return series(ctx, s.params);
    case 'quality':
      return quality(ctx, s.params.workspace);
    case 'alerts':
      return alerts(ctx, s.params.workspace);
  }
}
