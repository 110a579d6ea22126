import type { FastifyBaseLogger } from 'fastify';
import { KpiForecast, type ForecastQuery } from '../../shared/schemas/forecast.js';
import type { KpiSeries } from '../../shared/schemas/kpi.js';
import { DAY, floorTo, HOUR, iso } from '../../shared/time.js';
import type { Database, Sql } from '../db/database.js';
import { storedOrSkip } from '../db/stored.js';
import { DomainError } from '../errors.js';
import { type KpiService, ownBrand, requireBrands } from '../kpi/service.js';
import type { WorkspaceState } from '../workspaces/service.js';
import { OUTLIER_LIMIT } from './outliers.js';
import type { ForecastPool } from './pool.js';
import { q } from './queries.js';

/**
 * What each grain fits on, looks for and how often it is refitted: four weeks of hours (daily and
 * weekly seasons) refitted daily; two years of days (weekly, yearly) refitted weekly. A stored
 * forecast reaches past its refit by the largest horizon asked.
 */
export const GRAINS = {
  hour: { historyMs: 28 * DAY, periods: [24, 168], horizon: 24, step: HOUR, refitMs: DAY },
  day: { historyMs: 730 * DAY, periods: [7, 365], horizon: 14, step: DAY, refitMs: 7 * DAY },
} as const;
export const MAX_HORIZON = 168;

/** A KPI as a fit read it, its buckets' starts, and when (its bucket under way is not history). */
export interface FitRead {
  series: KpiSeries;
  starts: number[];
  atMs: number;
}

/**
 * A KPI's buckets as a model reads them: from the first with data on; an empty bucket is nothing
 * happening for a count, the last value holding for a level.
 */
export function fillHistory(values: readonly (number | null)[], unit: string): number[] {
  const first = values.findIndex((v) => v !== null);
  if (first === -1) return [];
  let last = 0;
  return values.slice(first).map((v) => {
    if (v !== null) last = v;
    return v ?? (unit === 'count' ? 0 : last);
  });
}

/** Forecasts of a KPI of a brand from its own history, fitted on the pool's threads and stored. */
export class ForecastService {
  private readonly fitting = new Map<string, Promise<KpiForecast>>();

  constructor(
    private readonly db: Database,
    private readonly kpis: KpiService,
    private readonly pool: ForecastPool,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The stored forecast while it is fresh and reaches far enough, a new fit otherwise. */
  async forecast(workspace: WorkspaceState, kpiId: string, query: ForecastQuery): Promise<KpiForecast> {
    const grain = GRAINS[query.grain];
    const horizon = query.horizon ?? grain.horizon;
    const brand = query.brand ?? ownBrand(workspace);
    requireBrands(workspace, [brand]);
    const kpi = this.kpis.definition(workspace, kpiId).id;
    const nowMs = this.now();
    let full = await this.stored(workspace, kpi, brand, query.grain);
    if (!full || !this.fresh(full, nowMs, horizon))
      full = await this.refit(workspace, kpi, brand, query.grain);
    // From the bucket under way on.
    const first = full.points.findLastIndex((p) => Date.parse(p.bucket) <= nowMs);
    return { ...full, points: full.points.slice(Math.max(0, first), Math.max(0, first) + horizon) };
  }

  /** Fitted within the refit cadence, and reaching `horizon` buckets past the one under way. */
  private fresh(stored: KpiForecast, nowMs: number, horizon = 1): boolean {
    const grain = GRAINS[stored.grain as ForecastQuery['grain']];
    if (nowMs - Date.parse(stored.fittedAt) >= grain.refitMs) return false;
    const first = stored.points.findLastIndex((p) => Date.parse(p.bucket) <= nowMs);
    return first !== -1 && stored.points.length - first >= horizon;
  }

  /**
   * What a fit now reads of a KPI: its history, and the buckets ahead for the largest horizon
   * until the next refit (the KPI series names them in the workspace's zone, DST included). One read
   * of the whole set serves the refit of every brand (see `refit`).
   */
  async readForFit(
    workspace: WorkspaceState,
    kpiId: string,
    grainName: ForecastQuery['grain'],
    brands?: string[],
  ): Promise<FitRead> {
    const grain = GRAINS[grainName];
    const atMs = this.now();
    const ahead = MAX_HORIZON + Math.ceil(grain.refitMs / grain.step);
    const series = await this.kpis.series(workspace, kpiId, {
      grain: grainName,
      window: { fromMs: atMs - grain.historyMs, toMs: floorTo(atMs, grain.step) + (ahead + 2) * grain.step },
      ...(brands ? { brands } : {}),
    });
    return { series, starts: series.buckets.map((b) => Date.parse(b)), atMs };
  }

  /** A brand's closed buckets in a `readForFit` answer, as a model reads them, and the buckets ahead. */
  historyIn(read: FitRead, brand: string, unit: string): { y: number[]; ahead: number[] } {
    const grain = GRAINS[read.series.grain as ForecastQuery['grain']];
    const { starts } = read;
    // The bucket under way is not history yet: the series runs to its start, then on.
    const current = starts.findLastIndex((s) => s <= read.atMs);
    const values = read.series.series.find((s) => s.brand === brand)?.values ?? [];
    const ahead = MAX_HORIZON + Math.ceil(grain.refitMs / grain.step);
    return {
      y: fillHistory(values.slice(0, current), unit),
      ahead: starts.slice(current, current + ahead),
    };
  }

  /**
   * A new fit of a brand's KPI, stored and returned in full (from the bucket under way). `read`, a
   * `readForFit` answer holding the brand, saves reading the KPI again. Fits of one series at once
   * share one computation.
   */
  refit(
    workspace: WorkspaceState,
    kpiId: string,
    brand: string,
    grainName: ForecastQuery['grain'],
    read?: FitRead,
  ): Promise<KpiForecast> {
    const id = `${workspace.key}/${kpiId}/${brand}/${grainName}`;
    let fit = this.fitting.get(id);
    if (!fit) {
      fit = this.fit(workspace, kpiId, brand, grainName, read).finally(() => this.fitting.delete(id));
      this.fitting.set(id, fit);
    }
    return fit;
  }

  private async fit(
    workspace: WorkspaceState,
    kpiId: string,
    brand: string,
    grainName: ForecastQuery['grain'],
    given?: FitRead,
  ): Promise<KpiForecast> {
    const grain = GRAINS[grainName];
    const kpi = this.kpis.definition(workspace, kpiId);
    const read = given ?? (await this.readForFit(workspace, kpi.id, grainName, [brand]));
    const { y, ahead: buckets } = this.historyIn(read, brand, kpi.unit);
    const needed = 2 * grain.periods[0];
    if (y.length < needed) {
      throw new DomainError(
        'unprocessable',
        'not_enough_history',
        `${grainName === 'hour' ? 'An hourly' : 'A daily'} forecast of ${kpi.id} for ${brand} needs at least ${needed} ${grainName}s of data; there ${y.length === 1 ? 'is' : 'are'} ${y.length}.`,
        grainName === 'hour'
          ? 'Send more history: the ingest API takes past events.'
          : 'Send more history (the ingest API takes past events), or ask for grain=hour, which needs two days.',
      );
    }
    const f = await this.fitValues(y, grainName, buckets.length);
    const forecast: KpiForecast = {
      kpi: kpi.id,
      brand,
      grain: grainName,
      model: f.model,
      fittedAt: iso(read.atMs),
      history: y.length,
      backtest: f.backtest,
      points: buckets.map((start, h) => ({
        bucket: iso(start),
        mean: f.mean[h]!,
        lo80: Math.min(f.lo80[h]!, f.mean[h]!),
        hi80: Math.max(f.hi80[h]!, f.mean[h]!),
        lo95: Math.min(f.lo95[h]!, f.lo80[h]!, f.mean[h]!),
        hi95: Math.max(f.hi95[h]!, f.hi80[h]!, f.mean[h]!),
      })),
    };
    const key = { ws: workspace.key, kpi: kpi.id, brand, grain: grainName };
    await this.db.write((sql) =>
      sql.transaction(async () => {
        await sql.run(q.delete, key);
        await sql.run(q.insert, { ...key, fittedAtMs: read.atMs, forecast: JSON.stringify(forecast) });
      }),
    );
    return forecast;
  }

  /** The product's fit of a prepared history (see fillHistory), as live forecasts are fitted. */
  fitValues(y: number[], grainName: ForecastQuery['grain'], horizon: number) {
    const grain = GRAINS[grainName];
    // Judged over the horizon asked by default, so that a few days of history get a backtest too.
    return this.pool.forecast(y, {
      periods: [...grain.periods],
      horizon,
      backtestHorizon: grain.horizon,
      outlierLimit: OUTLIER_LIMIT,
    });
  }

  /** The stored forecast as it was fitted (every point, from the bucket it was fitted in), if any. */
  async stored(workspace: WorkspaceState, kpi: string, brand: string, grain: ForecastQuery['grain']) {
    const key = { ws: workspace.key, kpi, brand, grain };
    const row = await this.db.read((sql) => sql.one<{ forecast: string }>(q.stored, key));
    if (!row) return undefined;
    return storedOrSkip(this.log, KpiForecast, row.forecast, {
      table: 'forecasts',
      what: `forecast of ${kpi} for ${brand}`,
      workspace: workspace.id,
    });
  }

  /** Every stored forecast of a workspace at a grain, by `kpi` and `brand`. */
  async storedAll(
    workspace: WorkspaceState,
    grain: ForecastQuery['grain'],
  ): Promise<Map<string, KpiForecast>> {
    const rows = await this.db.read((sql) =>
      sql.rows<{ kpi: string; brand: string; forecast: string }>(q.storedAll, { ws: workspace.key, grain }),
    );
    const all = new Map<string, KpiForecast>();
    for (const row of rows) {
      const f = storedOrSkip(this.log, KpiForecast, row.forecast, {
        table: 'forecasts',
        what: `forecast of ${row.kpi} for ${row.brand}`,
        workspace: workspace.id,
      });
      if (f) all.set(`${row.kpi}\u0000${row.brand}`, f);
    }
    return all;
  }

  /** A change of the workspace or of its KPIs: its forecasts are fitted again when next asked. */
  async forget(ws: number): Promise<void> {
    await this.db.write((sql) => sql.run(q.deleteWorkspace, { ws }));
  }

  async deleteWorkspace(sql: Sql, ws: number): Promise<void> {
    await sql.run(q.deleteWorkspace, { ws });
  }
}
