import type { FastifyBaseLogger } from 'fastify';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { KPIS, type KpiDefinition } from '../../shared/kpis.js';
import { WALL_TILE_KPIS } from '../../shared/live-names.js';
import type { Alert } from '../../shared/schemas/live-data.js';
import { DAY, floorTo, HOUR, iso, type ZoneOffsets, zoneOf } from '../../shared/time.js';
import type { AlertService } from '../alerts/rules.js';
import { DomainError } from '../errors.js';
import { type ForecastService, GRAINS } from '../forecast/service.js';
import type { CommitChange } from '../ingest/changes.js';
import type { KpiService } from '../kpi/service.js';
import type { RollupService } from '../rollups/service.js';
import type { WallService } from '../wall/service.js';
import type { WorkspaceService, WorkspaceState } from '../workspaces/service.js';
import { type Band, bandAt, judge, type Judgement, severityOf } from './band.js';
import { driversOf } from './drivers.js';
import { anomalyMessage } from './message.js';
import { type Action, decide, type OpenAnomaly, type Rules } from './runs.js';

export interface DetectorSettings extends Rules {
  /** The band's level (0.95: a bucket outside the 95 % interval). */
  level: number;
}

/** Late rows re-judge their buckets at most this often (a backfill arrives in many commits). */
const REJUDGE_MS = 10_000;
/** Live detection looks back a day; older buckets are the history's (GET …/anomalies). */
const LIVE_SPAN_MS = DAY;

type Grain = 'hour' | 'day';

/** How each grain cuts time: UTC hours; local days of the workspace's zone. */
interface GrainSpec {
  grain: Grain;
  /** The start of the bucket holding `ms`, and of the bucket after the one starting at `start`. */
  floor(ms: number, zone: ZoneOffsets): number;
  next(start: number, zone: ZoneOffsets): number;
  /** Buckets of history a series needs before it is watched at this grain. */
  minHistory: number;
}

const SPECS: readonly GrainSpec[] = [
  { grain: 'hour', floor: (ms) => floorTo(ms, HOUR), next: (start) => start + HOUR, minHistory: 48 },
  // A year of days before a series is watched daily (its yearly season joins with the second year).
  {
    grain: 'day',
    floor: (ms, zone) => zone.toInstant(zone.localDay(ms)),
    next: (start, zone) => zone.toInstant(zone.localDay(start) + DAY),
    minHistory: 365,
  },
];

interface SeriesState {
  /** The band each bucket is judged against, from the forecast made before it was seen. */
  expectations: Map<number, Band>;
  judged: Map<number, Judgement>;
  /** When its forecast was fitted: a refit is due a cadence later (read once, then kept). */
  fittedAtMs?: number;
}

interface WorkspaceWatch {
  series: Map<string, SeriesState>;
  /** The bucket under way at the last refit check. */
  refreshedAt: number;
  judgedUpTo: number;
  dirty: Set<number>;
  lastRejudgeMs: number;
  /** Rows older than a day landed in the history the fits read: their bands are stale. */
  backfilled: boolean;
}

export interface DetectorDeps {
  workspaces: WorkspaceService;
  kpis: KpiService;
  forecasts: ForecastService;
  alerts: AlertService;
  rollups: RollupService;
  wall: WallService;
  log: FastifyBaseLogger;
}

/** A workspace's watch at a grain. */
const watchKey = (workspace: string, grain: Grain) => `${workspace}\u0000${grain}`;

/** A watched series' key in the maps and in alerts. */
const seriesKey = (kpi: string, brand: string) => `${kpi}\u0000${brand}`;

/**
 * Live anomaly detection, with nothing to configure: every brand of the set × every counter KPI
 * and the wall's tile KPIs, at hour grain, and at day grain for the series with a year of days.
 * Each closed bucket is judged against the band of the stored forecast made before it (refitted
 * daily at hour grain, weekly at day grain), again when late rows land in it within a day; runs
 * outside the band raise alerts through the alert service, which resolve when values come back.
 */
export class AnomalyDetector {
  private readonly watches = new Map<string, WorkspaceWatch>();
  private stopped = false;
  private waiting: (() => void)[] = [];

  constructor(
    private readonly deps: DetectorDeps,
    private readonly settings: DetectorSettings,
  ) {}

  /** The KPIs watched in a workspace: the catalogue's counters and the wall's tiles (no DPI). */
  async watched(workspace: WorkspaceState): Promise<KpiDefinition[]> {
    const layout = await this.deps.wall.get(workspace).catch(() => undefined);
    const ids = new Set([
      ...KPIS.filter((k) => k.formula.kind === 'sum').map((k) => k.id),
      ...(layout?.kpis ?? WALL_TILE_KPIS),
    ]);
    return [...ids]
      .map((id) => this.deps.kpis.find(workspace, id))
      .filter((k): k is KpiDefinition => k !== undefined && k.formula.kind !== 'dpi');
  }

  /** Rows landed: closed buckets of the last day they touch are judged again. */
  committed(change: CommitChange, nowMs: number): void {
    const workspace = this.deps.workspaces.get(change.workspace);
    if (!workspace) return;
    const zone = zoneOf(workspace.timezone);
    for (const spec of SPECS) {
      const watch = this.watches.get(watchKey(change.workspace, spec.grain));
      const current = spec.floor(nowMs, zone);
      // A backfill (history sent in many requests, as the demo market and imports do) lands after a
      // fit may have read part of it: fitted on zeros, every brand's next hour would look anomalous.
      if (
        watch &&
        change.rows > 0 &&
        change.fromMs < nowMs - LIVE_SPAN_MS &&
        change.toMs >= nowMs - GRAINS[spec.grain].historyMs
      )
        watch.backfilled = true;
      if (!watch || change.fromMs >= current || change.toMs < nowMs - LIVE_SPAN_MS) continue;
      for (
        let b = spec.floor(Math.max(change.fromMs, nowMs - LIVE_SPAN_MS), zone);
        b < current && b <= change.toMs;
        b = spec.next(b, zone)
      )
        watch.dirty.add(b);
    }
  }

  /** On the engine's clock: refresh forecasts when the hour turns, judge what closed or changed. */
  async tick(nowMs: number): Promise<void> {
    const waiting = this.waiting.splice(0);
    try {
      await this.check(nowMs);
    } finally {
      for (const done of waiting) done();
    }
  }

  /** Resolves once a check that starts after this call has run (tests and benchmarks wait on it). */
  afterNextCheck(): Promise<void> {
    return new Promise((done) => this.waiting.push(done));
  }

  private async check(nowMs: number): Promise<void> {
    for (const { id } of this.deps.workspaces.list()) {
      for (const spec of SPECS) {
        if (this.stopped) return;
        const workspace = this.deps.workspaces.get(id);
        if (workspace) await this.checkGrain(workspace, spec, nowMs);
      }
    }
  }

  private async checkGrain(workspace: WorkspaceState, spec: GrainSpec, nowMs: number): Promise<void> {
    const zone = zoneOf(workspace.timezone);
    const current = spec.floor(nowMs, zone);
    const since = spec.floor(nowMs - LIVE_SPAN_MS, zone);
    const key = watchKey(workspace.id, spec.grain);
    let watch = this.watches.get(key);
    if (!watch) {
      watch = {
        series: new Map(),
        refreshedAt: -1,
        judgedUpTo: since,
        dirty: new Set(),
        lastRejudgeMs: 0,
        backfilled: false,
      };
      this.watches.set(key, watch);
    }
    // Every series is fitted again before anything is judged; a backfill in many requests paces
    // its refits by their own length (each reads the KPIs once and fits in the worker pool).
    const refitAll = watch.backfilled;
    const buckets = new Set<number>();
    for (let b = Math.max(watch.judgedUpTo, since); b < current; b = spec.next(b, zone)) buckets.add(b);
    if (watch.dirty.size && nowMs - watch.lastRejudgeMs >= REJUDGE_MS) {
      for (const b of watch.dirty) if (b >= since) buckets.add(b);
      watch.dirty.clear();
      watch.lastRejudgeMs = nowMs;
    }
    const refit = watch.refreshedAt !== current || refitAll;
    if (buckets.size === 0 && !refit) return;
    const kpis = await this.watched(workspace);
    // The stored bands first (after a restart they cover the last day), then the bucket that closed
    // is judged, then the forecasts due are refitted: a refit never delays an alert.
    // The stored forecasts are read once per watch; afterwards each refit hands its bands over
    // (parsing every stored forecast each hour stalled the event loop: see docs/benchmarks.md).
    if (refit && watch.refreshedAt === -1) await this.takeStored(workspace, watch, spec, kpis, nowMs);
    else if (refit) this.prune(watch, spec.floor(nowMs - LIVE_SPAN_MS, zone));
    if (refitAll) {
      watch.backfilled = false;
      for (const state of watch.series.values()) state.fittedAtMs = undefined;
      await this.refit(workspace, watch, spec, kpis, nowMs);
      watch.refreshedAt = current;
    }
    if (buckets.size) {
      watch.judgedUpTo = current;
      await this.judgeBuckets(
        workspace,
        watch,
        spec,
        kpis,
        [...buckets].sort((a, b) => a - b),
        nowMs,
      );
    }
    if (refit && !refitAll) {
      await this.refit(workspace, watch, spec, kpis, nowMs);
      watch.refreshedAt = current;
    }
  }

  private state(watch: WorkspaceWatch, kpi: string, brand: string): SeriesState {
    const key = seriesKey(kpi, brand);
    let state = watch.series.get(key);
    if (!state) watch.series.set(key, (state = { expectations: new Map(), judged: new Map() }));
    return state;
  }

  private async takeStored(
    workspace: WorkspaceState,
    watch: WorkspaceWatch,
    spec: GrainSpec,
    kpis: KpiDefinition[],
    nowMs: number,
  ) {
    const from = spec.floor(nowMs - LIVE_SPAN_MS, zoneOf(workspace.timezone));
    const stored = await this.deps.forecasts.storedAll(workspace, spec.grain);
    for (const kpi of kpis) {
      for (const brand of workspace.brands) {
        this.take(this.state(watch, kpi.id, brand.id), stored.get(seriesKey(kpi.id, brand.id)), kpi, from);
      }
    }
    this.prune(watch, from);
  }

  /**
   * Refits the watched series whose forecast is due (daily) and takes their new bands. One read of
   * each KPI for the whole set serves every brand's fit and says which have the history it needs.
   */
  private async refit(
    workspace: WorkspaceState,
    watch: WorkspaceWatch,
    spec: GrainSpec,
    kpis: KpiDefinition[],
    nowMs: number,
  ) {
    const from = spec.floor(nowMs - LIVE_SPAN_MS, zoneOf(workspace.timezone));
    const { refitMs, step } = GRAINS[spec.grain];
    const { forecasts } = this.deps;
    // Before any series can have the history the grain needs (a year of days takes a year), its
    // KPIs are not read at all: reading 730 days of each stalled the hour's judging.
    const first = await this.deps.rollups.firstHourMs(workspace.key);
    if (first === undefined || nowMs - first < (spec.minHistory - 2) * step) return;
    for (const kpi of kpis) {
      const due = workspace.brands.filter((b) => {
        const fitted = this.state(watch, kpi.id, b.id).fittedAtMs;
        return fitted === undefined || nowMs - fitted >= refitMs;
      });
      if (due.length === 0 || this.stopped) continue;
      let read;
      try {
        read = await forecasts.readForFit(workspace, kpi.id, spec.grain);
      } catch (err) {
        this.deps.log.warn({ err, kpi: kpi.id }, 'anomaly watch: the KPI could not be read');
        continue;
      }
      for (const brand of due) {
        if (this.stopped) return;
        if (forecasts.historyIn(read, brand.id, kpi.unit).y.length < spec.minHistory) continue;
        try {
          const fitted = await forecasts.refit(workspace, kpi.id, brand.id, spec.grain, read);
          this.take(this.state(watch, kpi.id, brand.id), fitted, kpi, from);
        } catch (err) {
          if (!(err instanceof DomainError))
            this.deps.log.warn({ err, kpi: kpi.id, brand: brand.id }, 'anomaly watch: no forecast');
        }
      }
    }
  }

  /** Bands and judgements older than live detection looks. */
  private prune(watch: WorkspaceWatch, fromMs: number): void {
    for (const state of watch.series.values()) {
      for (const b of state.expectations.keys()) if (b < fromMs) state.expectations.delete(b);
      for (const b of state.judged.keys()) if (b < fromMs) state.judged.delete(b);
    }
  }

  private take(
    state: SeriesState,
    forecast: Awaited<ReturnType<ForecastService['stored']>>,
    kpi: KpiDefinition,
    fromMs: number,
  ): void {
    if (!forecast) return;
    state.fittedAtMs = Date.parse(forecast.fittedAt);
    // A forecast's first point is the bucket it was fitted in, whose rows it did not see.
    for (const point of forecast.points) {
      const b = Date.parse(point.bucket);
      if (b >= fromMs) state.expectations.set(b, bandAt(point, this.settings.level, kpi.unit));
    }
  }

  private async judgeBuckets(
    workspace: WorkspaceState,
    watch: WorkspaceWatch,
    spec: GrainSpec,
    kpis: KpiDefinition[],
    buckets: number[],
    nowMs: number,
  ): Promise<void> {
    const zone = zoneOf(workspace.timezone);
    const fromMs = buckets[0]!;
    const toMs = spec.next(buckets.at(-1)!, zone);
    const step = spec.grain === 'hour' ? HOUR : DAY;
    for (const kpi of kpis) {
      // Nothing to judge against (too little history for any brand): nothing to read.
      const expected = workspace.brands.some((b) => {
        const state = watch.series.get(seriesKey(kpi.id, b.id));
        return state !== undefined && buckets.some((bucket) => state.expectations.has(bucket));
      });
      if (!expected) continue;
      let answer;
      try {
        answer = await this.deps.kpis.series(workspace, kpi.id, {
          grain: spec.grain,
          window: { fromMs, toMs },
        });
      } catch (err) {
        this.deps.log.warn({ err, kpi: kpi.id }, 'anomaly watch: the KPI could not be read');
        continue;
      }
      const starts = answer.buckets.map((b) => Date.parse(b));
      for (const series of answer.series) {
        const state = watch.series.get(seriesKey(kpi.id, series.brand));
        if (!state) continue;
        // Each series is judged in a turn of its own: judged together, a close's hundreds of
        // series held the event loop for tens of ms, and the wall's ticks waited behind them.
        await yieldToLoop();
        for (const b of buckets) {
          const band = state.expectations.get(b);
          const raw = series.values[starts.indexOf(b)];
          const value = raw ?? (kpi.unit === 'count' ? 0 : undefined);
          if (band && value !== undefined) state.judged.set(b, judge(b, value, band));
        }
        const actions = decide(
          [...state.judged.values()],
          this.openOf(workspace.id, kpi.id, series.brand, spec.grain),
          this.settings,
          step,
        );
        for (const action of actions) await this.apply(workspace, spec, kpi, series.brand, action, nowMs);
      }
    }
  }

  private openOf(workspace: string, kpi: string, brand: string, grain: Grain): OpenAnomaly[] {
    return this.deps.alerts
      .list(workspace)
      .filter((a) => a.kind === 'anomaly' && a.kpi === kpi && a.brand === brand && a.grain === grain)
      .map((a) => ({
        id: a.id,
        firedMs: Date.parse(a.bucket!),
        fromMs: Date.parse(a.subject.from ?? a.bucket!),
        toMs: Date.parse(a.subject.to ?? a.bucket!),
        resolved: a.resolvedAt !== undefined,
      }));
  }

  private async apply(
    workspace: WorkspaceState,
    spec: GrainSpec,
    kpi: KpiDefinition,
    brand: string,
    action: Action,
    nowMs: number,
  ) {
    const { alerts } = this.deps;
    if (action.kind === 'resolve') {
      alerts.resolve(workspace.id, action.id, action.atMs);
      return;
    }
    const { run } = action;
    const from = iso(run.buckets[0]!.bucketMs);
    const to = iso(run.buckets.at(-1)!.bucketMs);
    const worst = Math.max(...run.buckets.map((j) => j.score));
    if (action.kind === 'update') {
      alerts.update(workspace.id, action.id, {
        severity: severityOf(worst),
        subject: { ...alerts.list(workspace.id).find((a) => a.id === action.id)!.subject, from, to },
      });
      return;
    }
    const j = run.fired;
    const direction = j.direction!;
    const drivers = await driversOf(
      this.deps.rollups,
      workspace.key,
      kpi,
      brand,
      { fromMs: j.bucketMs, toMs: spec.next(j.bucketMs, zoneOf(workspace.timezone)) },
      direction,
    ).catch((err: unknown) => {
      this.deps.log.warn({ err, kpi: kpi.id, brand }, 'anomaly drivers could not be read');
      return [];
    });
    // A share that moved because another brand did is that brand's news, raised on its own series.
    if (kpi.formula.kind === 'share' && drivers.length) {
      const itself = drivers.filter((d) => d.brand === brand).reduce((sum, d) => sum + d.share, 0);
      if (itself < 0.5) return;
    }
    const own = workspace.brands.find((b) => b.own)?.id === brand;
    const good = (direction === 'up') === (kpi.direction === 'higher');
    const name = (id: string) => workspace.brands.find((b) => b.id === id)?.name ?? id;
    const alert: Omit<Alert, 'id' | 'acknowledged' | 'at'> & { at: number } = {
      kind: 'anomaly',
      severity: severityOf(worst),
      at: nowMs,
      subject: { kpi: kpi.id, brand, grain: spec.grain, from, to },
      message: anomalyMessage(kpi, brand, j, drivers, name),
      brand,
      kpi: kpi.id,
      grain: spec.grain,
      bucket: iso(j.bucketMs),
      value: j.value,
      expected: j.band.expected,
      lo: j.band.lo,
      hi: j.band.hi,
      direction,
      impact: good === own ? 'opportunity' : 'threat',
      drivers,
      ...(action.resolvedAtMs !== undefined ? { resolvedAt: iso(action.resolvedAtMs) } : {}),
    };
    alerts.raise(workspace.id, alert);
  }

  /** The hub is closing: the refits under way stop at the next series. */
  stop(): void {
    this.stopped = true;
  }

  /** A workspace, its brands or its KPIs changed (or it went): its series are watched afresh. */
  forget(workspace: string): void {
    for (const spec of SPECS) this.watches.delete(watchKey(workspace, spec.grain));
  }
}
