import { listValue } from '@duckdb/node-api';
import type { Database, Sql } from '../db/database.js';
import type { Grain, SeriesRow } from '../../shared/schemas/series.js';
import type { MetricDefinition } from '../../shared/vocabulary.js';
import { yieldToLoop } from '../loop.js';
import {
  ceilTo,
  currentBucketStart,
  DAY,
  floorTo,
  HOUR,
  iso,
  isoWithOffset,
  MINUTE,
  zoneOf,
} from '../../shared/time.js';
import type { Cover } from './cover.js';
import { WindowReads } from './window-reads.js';
import { addRows, Partials, rollUp, type RollupRows, SLICE } from './partials.js';
import { GRAIN_TABLES, q } from './queries.js';
import { type SeriesKey, SeriesDictionary, type SeriesMatch } from './series-ids.js';

export type { RollupRows } from './partials.js';
export type { SeriesKey } from './series-ids.js';

/** Events of workspace `ws` in [fromMs, toMs] changed: what was read over that span is stale. */
export interface ChangedSpan {
  ws: number;
  fromMs: number;
  toMs: number;
}

/** A correction's recompute: the series and window replaced, and the table holding their raw rows. */
export interface Correction {
  ws: number;
  tz: string;
  series: number[];
  fromMs: number;
  toMs: number;
  source: string;
}

export interface SeriesFilter {
  workspaceKey: number;
  timezone: string;
  metric: MetricDefinition;
  brands?: string[];
  touchpoints?: string[];
  sources?: string[];
  grain: Grain;
  fromMs: number;
  toMs: number;
  /** For charts: no row after the bucket holding this instant, which is flagged provisional. */
  nowMs?: number;
}

/** Minute series up to this span are served from cached hours of minute aggregates. */
const CACHED_MINUTE_SPAN = 6 * HOUR;

/**
 * Event-time rollups. The writer hands each commit to `applyCommit` (a correction to
 * `applyCorrection`) inside its transaction, so whatever is acknowledged is in the rollups;
 * queries merge partial rows.
 */
export class RollupService {
  /** The writer connection while a compaction runs on it (to interrupt at shutdown). */
  private compacting: Sql | undefined;
  private stopping = false;
  /** Series ids by key and keys by id: ingest resolves them, queries read them. */
  readonly seriesIds = new SeriesDictionary();
  private gen = 0;
  /** What KPI windows read, cached until a commit lands in its span. */
  private readonly reads: WindowReads;

  constructor(private readonly db: Database) {
    this.reads = new WindowReads(db);
  }

  async init(): Promise<void> {
    await this.db.write(async (sql) => {
      await this.seriesIds.load(sql);
      this.gen = Number((await sql.one<{ gen: string }>(q.maxGen))!.gen);
    });
  }

  /** Every series key of a workspace by id. */
  seriesKeys(ws: number): Map<number, SeriesKey> {
    return this.seriesIds.keys(ws);
  }

  /** Series ids of a workspace matching a filter (undefined members match everything). */
  matchingSeries(ws: number, filter: SeriesMatch): number[] {
    return this.seriesIds.matching(ws, filter);
  }

  /** The sum per series over a window covered by rollup buckets (see WindowReads.totals). */
  totals(ws: number, series: number[], cover: Cover): Promise<Map<number, number>> {
    return this.reads.totals(ws, series, cover);
  }

  /** Sums per series and UTC hour over [fromMs, toMs) (see WindowReads.hourlySums). */
  hourlySums(ws: number, fromMs: number, toMs: number, series: number[]): Promise<Map<number, Float64Array>> {
    return this.reads.hourlySums(ws, fromMs, toMs, series);
  }

  /** The start of a workspace's first hour with data (UTC), if it has any. */
  async firstHourMs(ws: number): Promise<number | undefined> {
    const row = await this.db.read((sql) => sql.one<{ first: number | null }>(q.firstHour, { ws }));
    return row?.first ?? undefined;
  }

  /** Per series, its latest value with a timestamp before `atMs` (a whole minute). */
  levelsAsOf(ws: number, series: number[], atMs: number): Promise<Map<number, number>> {
    return this.reads.levelsAsOf(ws, series, atMs);
  }

  /**
   * Stores a commit's rows in every grain, inside the writer's transaction (whatever is acknowledged
   * is in the rollups); what was read over `spans` is dropped once the transaction commits.
   */
  async applyCommit(
    sql: Sql,
    batches: RollupRows[],
    timezones: Map<number, string>,
    spans: ChangedSpan[],
  ): Promise<void> {
    await this.appendPartials(sql, batches, timezones);
    sql.afterCommit(() => this.forgetReads(spans));
  }

  /**
   * The rollup side of a correction: every bucket of every grain that [fromMs, toMs) touches for
   * the given series is recomputed from the raw rows in `source`, inside the writer's transaction.
   */
  async applyCorrection(sql: Sql, correction: Correction, spans: ChangedSpan[]): Promise<void> {
    await this.recomputeRange(sql, correction);
    sql.afterCommit(() => this.forgetReads(spans));
  }

  private forgetReads(spans: ChangedSpan[]): void {
    for (const span of spans) this.reads.changed(span.ws, span.fromMs, span.toMs);
  }

  /**
   * Rows of one grain between `lo` and `hi` (instants for hours; wall-clock midnights for days, as
   * they are stored), per bucket and series; or per bucket and group of series when `groups` gives
   * each series' group (totals only: `last` is then null).
   */
  async bucketTotals(
    ws: number,
    series: number[],
    grain: 'hour' | 'day',
    lo: number,
    hi: number,
    groups?: number[],
  ): Promise<{ bucket: number; series: number; sum: number; last: number | null }[]> {
    if (series.length === 0) return [];
    return this.db.read((sql) =>
      sql.rows<{ bucket: number; series: number; sum: number; last: number | null }>(
        q.bucketTotals(GRAIN_TABLES[grain], groups !== undefined),
        {
          ws,
          series: listValue(series),
          ...(groups ? { groups: listValue(groups) } : {}),
          lo: iso(lo),
          hi: iso(hi),
        },
      ),
    );
  }

  /**
   * Appends the partial aggregates of a commit's rows to every grain. Runs inside the writer's
   * transaction; `timezones` gives each workspace's zone (day buckets are local).
   */
  private async appendPartials(
    sql: Sql,
    batches: RollupRows[],
    timezones: Map<number, string>,
  ): Promise<void> {
    const gen = ++this.gen;
    const rows = batches.reduce((n, b) => n + b.length, 0);
    const minute = new Partials(Math.max(1024, rows));
    // Let the event loop turn between slices of a large commit, not inside a small one.
    let sinceYield = 0;
    const slice = async (n: number) => {
      sinceYield += n;
      if (sinceYield >= SLICE) {
        sinceYield = 0;
        await yieldToLoop();
      }
    };
    for (const batch of batches) {
      for (let from = 0; from < batch.length; from += SLICE) {
        const to = Math.min(batch.length, from + SLICE);
        addRows(minute, batch, from, to);
        await slice(to - from);
      }
    }
    const hour = new Partials();
    const day = new Partials();
    for (let from = 0; from < minute.length; from += SLICE) {
      const to = Math.min(minute.length, from + SLICE);
      rollUp(minute, from, to, hour, day, (ws) => zoneOf(timezones.get(ws)!));
      await slice(to - from);
    }
    for (const [table, partials] of [
      [GRAIN_TABLES.minute, minute],
      [GRAIN_TABLES.hour, hour],
      [GRAIN_TABLES.day, day],
    ] as const) {
      await sql.insertColumns(
        table,
        [
          { kind: 'integer', values: partials.ws },
          { kind: 'integer', values: partials.series },
          { kind: 'timestamp', values: partials.bucket },
          { kind: 'double', values: partials.sum },
          { kind: 'bigint', values: partials.count },
          { kind: 'double', values: partials.min },
          { kind: 'double', values: partials.max },
          { kind: 'timestamp', values: partials.lastTs },
          { kind: 'double', values: partials.lastValue },
          { kind: 'bigint', values: new Float64Array(partials.length).fill(gen) },
        ],
        partials.length,
      );
    }
  }

  /**
   * Recomputes, from raw rows in `source`, every bucket of every grain that [fromMs, toMs) touches
   * for the given series: the rollup side of a correction.
   */
  private async recomputeRange(sql: Sql, options: Correction): Promise<void> {
    const gen = ++this.gen;
    const { ws, tz, series, fromMs, toMs, source } = options;
    const base = { ws, tz, gen, series: listValue(series) };
    const day = zoneOf(tz);
    const ranges: [Grain, string, number, number][] = [
      ['minute', "date_trunc('minute', ts)", floorTo(fromMs, MINUTE), ceilTo(toMs, MINUTE)],
      ['hour', "date_trunc('hour', ts)", floorTo(fromMs, HOUR), ceilTo(toMs, HOUR)],
      // Day buckets are local midnights (wall-clock times), compared as such.
      ['day', q.localDay('ts'), day.localDay(fromMs), day.localDay(toMs - 1) + DAY],
    ];
    for (const [grain, expr, lo, hi] of ranges) {
      await sql.script(q.recompute(GRAIN_TABLES[grain], expr, source), { ...base, lo: iso(lo), hi: iso(hi) });
    }
  }

  /** Day buckets follow the workspace time zone: rebuild them from the minute rollups. */
  async rebuildDays(sql: Sql, ws: number, tz: string): Promise<void> {
    await sql.script(q.rebuildDays, { ws, tz, gen: ++this.gen });
    this.reads.drop(ws);
  }

  async deleteWorkspace(sql: Sql, ws: number): Promise<void> {
    for (const statement of q.deleteWorkspace) await sql.run(statement, { ws });
    this.seriesIds.forget(ws);
    this.reads.drop(ws);
  }

  /** Merges partial rows appended since the last run into one row per key. Returns rows merged. */
  async compact(): Promise<number> {
    return this.db.write(async (sql) => {
      if (this.stopping) return 0;
      this.compacting = sql;
      try {
        const watermark = Number((await sql.one<{ value: string }>(q.watermark))?.value ?? 0);
        const gen = this.gen;
        if (gen <= watermark || this.stopping) return 0;
        let merged = 0;
        // The interrupt reaches only a statement that runs: a stop asked between two is seen here.
        const goOn = () => {
          if (this.stopping) throw new Error('compaction stopped');
        };
        await sql.transaction(async () => {
          for (const table of Object.values(GRAIN_TABLES)) {
            goOn();
            merged += Number((await sql.one<{ n: string }>(q.partialCount(table), { watermark }))!.n);
            goOn();
            await sql.script(q.compact(table), { watermark, gen });
          }
          goOn();
          await sql.script(q.setWatermark, { gen });
          goOn();
        });
        return merged;
      } catch (error) {
        if (this.stopping) return 0;
        throw error;
      } finally {
        this.compacting = undefined;
      }
    });
  }

  /**
   * At shutdown: a compaction under way is interrupted (it rolls back; the next start merges the
   * same partials), since merging a large backlog can take longer than a stop may.
   */
  stopCompaction(): void {
    this.stopping = true;
    this.compacting?.connection.interrupt();
  }

  /** One row per bucket; gauges combine their per-key latest values as the metric says. */
  async series(filter: SeriesFilter): Promise<SeriesRow[]> {
    const rows = await this.seriesRows(filter);
    if (filter.nowMs === undefined) return rows;
    const current = currentBucketStart(filter.grain, filter.nowMs, zoneOf(filter.timezone));
    const shown: SeriesRow[] = [];
    for (const row of rows) {
      const start = Date.parse(row.bucket);
      if (start > current) break;
      shown.push(start === current ? { ...row, provisional: true } : row);
    }
    return shown;
  }

  private async seriesRows(filter: SeriesFilter): Promise<SeriesRow[]> {
    const ids = this.matchingSeries(filter.workspaceKey, {
      metric: [filter.metric.id],
      brand: filter.brands,
      touchpoint: filter.touchpoints,
      source: filter.sources,
    });
    if (ids.length === 0) return [];
    const gauge = filter.metric.kind === 'gauge';
    // Short minute charts (the wall's "last hour") from cached hours; long ranges in one query.
    if (filter.grain === 'minute' && !gauge && filter.toMs - filter.fromMs <= CACHED_MINUTE_SPAN) {
      return this.reads.counterMinutes(filter.workspaceKey, ids, filter.fromMs, filter.toMs);
    }
    const combine = filter.metric.combine === 'mean' ? 'avg' : 'sum';
    const day = filter.grain === 'day';
    const rows = await this.db.read((sql) =>
      sql.rows<{
        local: number;
        instant: number;
        sum: number;
        count: number;
        min: number;
        max: number;
        last: number | null;
      }>(q.series({ table: GRAIN_TABLES[filter.grain], grain: filter.grain, gauge, combine }), {
        ws: filter.workspaceKey,
        series: listValue(ids),
        from: iso(filter.fromMs),
        to: iso(filter.toMs),
        tz: filter.timezone,
      }),
    );
    return rows.map((r) => ({
      bucket: day ? isoWithOffset(r.local, r.instant) : new Date(r.instant).toISOString(),
      sum: r.sum,
      count: r.count,
      min: r.min,
      max: r.max,
      last: r.last,
    }));
  }
}
