import { listValue, type DuckDBValue } from '@duckdb/node-api';
import type { Database, Sql } from '../db/database.js';
import type { Grain, SeriesRow } from '../../shared/schemas/series.js';
import type { MetricDefinition } from '../../shared/vocabulary.js';
import { appendColumns } from '../db/columnar.js';
import { yieldToLoop } from '../loop.js';
import { ceilTo, DAY, floorTo, HOUR, MINUTE, zoneOf } from '../time/zone.js';
import type { Cover } from './cover.js';
import { RangeCache, type RangeKey } from './range-cache.js';
import { addRows, Partials, rollUp, SLICE } from './partials.js';
import { GRAIN_TABLES, q, schema } from './queries.js';

/** The identity of one stream of values: a brand's metric on one source of one touchpoint. */
export interface SeriesKey {
  brand: string;
  touchpoint: string;
  source: string;
  metric: string;
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
}

/** A commit's accepted rows of one workspace, as the writer holds them. */
export interface RollupRows {
  ws: number;
  length: number;
  series: Int32Array;
  ts: Float64Array;
  value: Float64Array;
}

const MAX_ZONE_BEHIND = 12 * HOUR;
const MB = 1024 * 1024;
const weighArrays = (m: Map<number, Float64Array>) =>
  [...m.values()].reduce((n, a) => n + 64 + a.byteLength + 64, 0);
/** Minute series up to this span are served from cached hours of minute aggregates. */
const CACHED_MINUTE_SPAN = 6 * HOUR;
const MAX_ZONE_AHEAD = 14 * HOUR;

const instants = (w: { fromMs: number; toMs: number }) => ({ from: w.fromMs, to: w.toMs, ...w });

const keyOf = (k: SeriesKey) => `${k.brand}\u0000${k.touchpoint}\u0000${k.source}\u0000${k.metric}`;

/**
 * Event-time rollups. The writer hands each committed batch to `appendPartials` inside its
 * transaction, so whatever is acknowledged is in the rollups; queries merge partial rows.
 */
export class RollupService {
  /** Per workspace: series id by key (ingest's look-up) and key by id (queries'). */
  private readonly seriesIds = new Map<number, Map<string, number>>();
  private readonly seriesById = new Map<number, Map<number, SeriesKey>>();
  private nextSeriesId = 1;
  private gen = 0;
  // Budgets of the caches (estimated bytes): a few hundred series per workspace fit thousands of
  // ranges; a base with many more series keeps fewer.
  private readonly totalsCache = new RangeCache<Map<number, number>>(32 * MB, (m) => 64 * m.size);
  /** Profiles: 60 (minutes of an hour) or 24 (hours of a day) numbers per series. */
  private readonly minuteProfiles = new RangeCache<Map<number, Float64Array>>(32 * MB, weighArrays);
  private readonly hourProfiles = new RangeCache<Map<number, Float64Array>>(64 * MB, weighArrays);
  private readonly levelsCache = new RangeCache<Map<number, { ts: number; value: number }>>(
    16 * MB,
    (m) => 128 * m.size,
  );
  private readonly minuteRowsCache = new RangeCache<{
    sum: Float64Array;
    count: Float64Array;
    min: Float64Array;
    max: Float64Array;
  }>(8 * MB, () => 4 * (60 * 8 + 64));
  private readonly levelSlotsCache = new RangeCache<Map<number, { ts: Float64Array; value: Float64Array }>>(
    32 * MB,
    (m) => [...m.values()].reduce((n, v) => n + 128 + 2 * (v.ts.byteLength + 64), 0),
  );

  constructor(private readonly db: Database) {}

  async init(): Promise<void> {
    await this.db.write(async (sql) => {
      for (const statement of schema) await sql.run(statement);
      for (const row of await sql.rows<SeriesKey & { ws: number; id: number }>(q.allSeries)) {
        const { ws, id, brand, touchpoint, source, metric } = row;
        this.mapFor(ws).set(keyOf(row), id);
        this.seriesKeys(ws).set(id, { brand, touchpoint, source, metric });
      }
      this.nextSeriesId = Number((await sql.one<{ id: number }>(q.maxSeriesId))!.id) + 1;
      this.gen = Number((await sql.one<{ gen: string }>(q.maxGen))!.gen);
    });
  }

  private mapFor(ws: number): Map<string, number> {
    let map = this.seriesIds.get(ws);
    if (!map) this.seriesIds.set(ws, (map = new Map()));
    return map;
  }

  /**
   * Ids for series keys, registering new ones in their own committed statement: a key without
   * rows is harmless, and it keeps the id cache equal to the table whatever happens to the batch.
   */
  async resolveSeries(sql: Sql, ws: number, keys: SeriesKey[]): Promise<number[]> {
    const map = this.mapFor(ws);
    const fresh: (SeriesKey & { id: number })[] = [];
    const ids = keys.map((key) => {
      const k = keyOf(key);
      let id = map.get(k);
      if (id === undefined) {
        id = this.nextSeriesId++;
        fresh.push({ ...key, id });
        map.set(k, id);
        this.seriesKeys(ws).set(id, key);
      }
      return id;
    });
    if (fresh.length > 0) {
      const appender = await sql.appender('series');
      try {
        for (const s of fresh) {
          appender.appendInteger(ws);
          appender.appendInteger(s.id);
          appender.appendVarchar(s.brand);
          appender.appendVarchar(s.touchpoint);
          appender.appendVarchar(s.source);
          appender.appendVarchar(s.metric);
          appender.endRow();
        }
        appender.flushSync();
      } catch (error) {
        appender.clear();
        for (const s of fresh) {
          map.delete(keyOf(s));
          this.seriesKeys(ws).delete(s.id);
        }
        throw error;
      }
    }
    return ids;
  }

  /** Every series key of a workspace by id. */
  seriesKeys(ws: number): Map<number, SeriesKey> {
    let keys = this.seriesById.get(ws);
    if (!keys) this.seriesById.set(ws, (keys = new Map()));
    return keys;
  }

  /**
   * The sum per series over a window covered by rollup buckets (see cover.ts): every
   * event of the window counted once, whatever buckets the window cuts.
   */
  async totals(ws: number, series: number[], cover: Cover): Promise<Map<number, number>> {
    if (series.length === 0) return new Map();
    const ranges: RangeKey[] = [];
    if (cover.days) {
      // Day buckets are stored as local midnights: compare them as wall-clock times.
      const d = cover.days;
      ranges.push({
        table: GRAIN_TABLES.day,
        from: d.fromLocal,
        to: d.toLocal,
        fromMs: d.fromMs,
        toMs: d.toMs,
      });
    }
    for (const w of cover.hours) ranges.push({ table: GRAIN_TABLES.hour, ...instants(w) });
    // Minute edges move with every minute of a live window: read them from whole hours of
    // per-minute sums, which stay valid until a commit lands in that hour.
    const pieces: { hour: number; from: number; to: number }[] = [];
    for (const w of cover.minutes) {
      for (let hour = floorTo(w.fromMs, HOUR); hour < w.toMs; hour += HOUR) {
        const from = (Math.max(w.fromMs, hour) - hour) / MINUTE;
        const to = (Math.min(w.toMs, hour + HOUR) - hour) / MINUTE;
        pieces.push({ hour, from, to });
      }
    }
    const hours = [...new Set(pieces.map((p) => p.hour))].map((hour) => ({
      table: GRAIN_TABLES.minute,
      ...instants({ fromMs: hour, toMs: hour + HOUR }),
    }));
    const { totals, profiles } = await this.cachedSums(ws, ranges, hours);
    const wanted = new Set(series);
    const result = new Map<number, number>();
    const add = (id: number, sum: number) => {
      if (wanted.has(id)) result.set(id, (result.get(id) ?? 0) + sum);
    };
    for (const sums of totals) for (const [id, sum] of sums) add(id, sum);
    for (const piece of pieces) {
      const profile = profiles[hours.findIndex((h) => h.fromMs === piece.hour)]!;
      for (const [id, minutes] of profile) {
        let sum = 0;
        let seen = false;
        for (let m = piece.from; m < piece.to; m++) {
          if (!Number.isNaN(minutes[m]!)) {
            sum += minutes[m]!;
            seen = true;
          }
        }
        if (seen) add(id, sum);
      }
    }
    return result;
  }

  /**
   * Sums per series and UTC hour over [fromMs, toMs) (whole hours), one slot per hour, NaN where a
   * series has no rows. Read as whole UTC days of hourly sums, so that a moving chart re-reads only
   * the days that changed.
   */
  async hourlySums(
    ws: number,
    fromMs: number,
    toMs: number,
    series: number[],
  ): Promise<Map<number, Float64Array>> {
    const first = floorTo(fromMs, DAY);
    const days: RangeKey[] = [];
    for (let day = first; day < toMs; day += DAY) {
      days.push({ table: GRAIN_TABLES.hour, ...instants({ fromMs: day, toMs: day + DAY }) });
    }
    const { profiles } = await this.cachedSums(ws, [], days);
    const hours = (toMs - fromMs) / HOUR;
    const result = new Map<number, Float64Array>();
    for (const id of series) {
      const out = new Float64Array(hours).fill(NaN);
      days.forEach((day, d) => {
        const slots = profiles[d]!.get(id);
        if (!slots) return;
        // Hour h of this day is slot (day start − fromMs) / HOUR + h of the output.
        const offset = (day.fromMs - fromMs) / HOUR;
        for (let h = Math.max(0, -offset); h < 24 && offset + h < hours; h++) out[offset + h] = slots[h]!;
      });
      result.set(id, out);
    }
    return result;
  }

  /**
   * Totals of every series per range, and profiles (per-minute sums of an hour, per-hour sums of a
   * day) of every series: from the caches, whatever is missing in one query.
   */
  private async cachedSums(
    ws: number,
    ranges: RangeKey[],
    spans: RangeKey[],
  ): Promise<{ totals: Map<number, number>[]; profiles: Map<number, Float64Array>[] }> {
    const cacheOf = (span: RangeKey) =>
      span.table === GRAIN_TABLES.minute ? this.minuteProfiles : this.hourProfiles;
    const totals = ranges.map((range) => this.totalsCache.get(ws, range));
    const profiles = spans.map((span) => cacheOf(span).get(ws, span));
    const missing = [
      ...totals.flatMap((t, i) => (t ? [] : [{ range: ranges[i]!, profile: false, i }])),
      ...profiles.flatMap((p, i) => (p ? [] : [{ range: spans[i]!, profile: true, i }])),
    ];
    if (missing.length > 0) {
      const versions = new Map(
        [this.totalsCache, this.minuteProfiles, this.hourProfiles].map((c) => [c, c.version(ws)] as const),
      );
      const params: Record<string, DuckDBValue> = { ws };
      const branches = missing.map(({ range, profile }, j) => {
        params[`f${j}`] = iso(range.from);
        params[`t${j}`] = iso(range.to);
        return { table: range.table, from: `f${j}`, to: `t${j}`, profile };
      });
      const rows = await this.db.read((sql) =>
        sql.rows<{ part: number; series: number; slot: number; sum: number }>(q.totals(branches), params),
      );
      const fetched = missing.map(({ profile }) =>
        profile ? new Map<number, Float64Array>() : new Map<number, number>(),
      );
      for (const row of rows) {
        const part = fetched[row.part]!;
        const { range, profile } = missing[row.part]!;
        if (profile) {
          const sums = part as Map<number, Float64Array>;
          let slots = sums.get(row.series);
          // NaN marks a slot without rows: a series with only zeros still has a total of 0.
          if (!slots) {
            const size = range.table === GRAIN_TABLES.minute ? 60 : 24;
            sums.set(row.series, (slots = new Float64Array(size).fill(NaN)));
          }
          slots[row.slot] = row.sum;
        } else (part as Map<number, number>).set(row.series, row.sum);
      }
      missing.forEach(({ range, profile, i }, j) => {
        if (profile) {
          profiles[i] = fetched[j] as Map<number, Float64Array>;
          const cache = cacheOf(range);
          cache.set(ws, versions.get(cache)!, range, profiles[i]);
        } else {
          totals[i] = fetched[j] as Map<number, number>;
          this.totalsCache.set(ws, versions.get(this.totalsCache)!, range, totals[i]);
        }
      });
    }
    return { totals: totals as Map<number, number>[], profiles: profiles as Map<number, Float64Array>[] };
  }

  /** A commit stored events of `ws` in [fromMs, toMs]: cached sums over that span are stale. */
  changed(ws: number, fromMs: number, toMs: number): void {
    this.totalsCache.changed(ws, fromMs, toMs);
    this.minuteProfiles.changed(ws, fromMs, toMs);
    this.hourProfiles.changed(ws, fromMs, toMs);
    this.levelsCache.changed(ws, fromMs, toMs);
    this.levelSlotsCache.changed(ws, fromMs, toMs);
    this.minuteRowsCache.changed(ws, fromMs, toMs);
  }

  /** Per series, its latest value with a timestamp before `atMs` (a whole minute). */
  async levelsAsOf(ws: number, series: number[], atMs: number): Promise<Map<number, number>> {
    if (series.length === 0) return new Map();
    // Local day D holds instants before D + 1 day + 12 h whatever the zone (offsets span
    // −12 h…+14 h), and every instant from D + 1 day − 14 h on is after it. The closed days change
    // once a day (or with late data): cached apart from the tail, which moves with `atMs`.
    const dayCut = floorTo(atMs - DAY - MAX_ZONE_BEHIND, DAY);
    const hourFrom = floorTo(dayCut + DAY - MAX_ZONE_AHEAD, HOUR);
    const hour = floorTo(atMs, HOUR);
    const list = series.join(',');
    // Each part's span is the instants its rows can hold: only commits there make it stale.
    const daysKey = { table: `days:${list}`, from: dayCut, to: dayCut };
    const days = await this.levelPart(
      ws,
      series,
      { ...daysKey, fromMs: -Infinity, toMs: dayCut + DAY + MAX_ZONE_BEHIND },
      q.levelsDays,
      { dayCut: iso(dayCut) },
    );
    // The tail: hours [hourFrom, hour) from whole UTC days of hour slots, then the minutes of
    // `atMs`'s hour, each cached as such, so a window moving by a minute reads nothing new.
    const spans: RangeKey[] = [];
    for (let day = floorTo(hourFrom, DAY); day < hour; day += DAY) {
      spans.push({ table: GRAIN_TABLES.hour, ...instants({ fromMs: day, toMs: day + DAY }) });
    }
    if (hour < atMs)
      spans.push({ table: GRAIN_TABLES.minute, ...instants({ fromMs: hour, toMs: hour + HOUR }) });
    const slots = await this.levelSlots(ws, series, list, spans);
    const levels = new Map<number, number>();
    for (const id of series) {
      let best = days.get(id);
      spans.forEach((span, i) => {
        const own = slots[i]!.get(id);
        if (!own) return;
        const step = span.table === GRAIN_TABLES.minute ? MINUTE : HOUR;
        const from = Math.max(0, (hourFrom - span.fromMs) / step);
        const to = Math.min(
          own.ts.length,
          ((span.table === GRAIN_TABLES.minute ? atMs : hour) - span.fromMs) / step,
        );
        for (let k = Math.ceil(from); k < to; k++) {
          const ts = own.ts[k]!;
          if (Number.isNaN(ts)) continue;
          const value = own.value[k]!;
          // The later value wins, the larger on a tie (as arg_max over (ts, value) does).
          if (!best || ts > best.ts || (ts === best.ts && value > best.value)) best = { ts, value };
        }
      });
      if (best) levels.set(id, best.value);
    }
    return levels;
  }

  /** Per span and series, the latest (ts, value) per slot: from the cache, what is missing in one query. */
  private async levelSlots(
    ws: number,
    series: number[],
    list: string,
    spans: RangeKey[],
  ): Promise<Map<number, { ts: Float64Array; value: Float64Array }>[]> {
    const keyed = spans.map((span) => ({ ...span, table: `${span.table}:${list}` }));
    const found = keyed.map((key) => this.levelSlotsCache.get(ws, key));
    const missing = found.flatMap((f, i) => (f ? [] : [i]));
    if (missing.length > 0) {
      const version = this.levelSlotsCache.version(ws);
      const params: Record<string, DuckDBValue> = { ws, series: listValue(series) };
      const branches = missing.map((i, j) => {
        params[`f${j}`] = iso(spans[i]!.from);
        params[`t${j}`] = iso(spans[i]!.to);
        return { table: spans[i]!.table, from: `f${j}`, to: `t${j}` };
      });
      const rows = await this.db.read((sql) =>
        sql.rows<{ part: number; series: number; slot: number; ts: number; value: number }>(
          q.levelSlots(branches),
          params,
        ),
      );
      const fetched = missing.map(() => new Map<number, { ts: Float64Array; value: Float64Array }>());
      for (const row of rows) {
        const part = fetched[row.part]!;
        let own = part.get(row.series);
        if (!own) {
          const size = spans[missing[row.part]!]!.table === GRAIN_TABLES.minute ? 60 : 24;
          own = { ts: new Float64Array(size).fill(NaN), value: new Float64Array(size) };
          part.set(row.series, own);
        }
        own.ts[row.slot] = row.ts;
        own.value[row.slot] = row.value;
      }
      missing.forEach((i, j) => {
        found[i] = fetched[j]!;
        this.levelSlotsCache.set(ws, version, keyed[i]!, fetched[j]!);
      });
    }
    return found as Map<number, { ts: Float64Array; value: Float64Array }>[];
  }

  /** The closed days' part of levelsAsOf: per series its latest (ts, value), cached until a commit lands in its span. */
  private async levelPart(
    ws: number,
    series: number[],
    key: RangeKey,
    query: string,
    params: Record<string, DuckDBValue>,
  ): Promise<Map<number, { ts: number; value: number }>> {
    const cached = this.levelsCache.get(ws, key);
    if (cached) return cached;
    const version = this.levelsCache.version(ws);
    const rows = await this.db.read((sql) =>
      sql.rows<{ series: number; ts: number; value: number }>(query, {
        ws,
        series: listValue(series),
        ...params,
      }),
    );
    const levels = new Map(rows.map((r) => [r.series, { ts: r.ts, value: r.value }]));
    this.levelsCache.set(ws, version, key, levels);
    return levels;
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

  /** Series ids of a workspace matching a filter (undefined members match everything). */
  matchingSeries(ws: number, filter: Partial<Record<keyof SeriesKey, string[]>>): number[] {
    const ids: number[] = [];
    const fields = (Object.keys(filter) as (keyof SeriesKey)[]).filter((f) => filter[f]);
    for (const [id, key] of this.seriesKeys(ws)) {
      if (fields.every((f) => filter[f]!.includes(key[f]))) ids.push(id);
    }
    return ids;
  }

  /**
   * Appends the partial aggregates of a commit's rows to every grain. Runs inside the writer's
   * transaction; `timezones` gives each workspace's zone (day buckets are local).
   */
  async appendPartials(sql: Sql, batches: RollupRows[], timezones: Map<number, string>): Promise<void> {
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
      const appender = await sql.appender(table);
      await appendColumns(
        appender,
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
      appender.flushSync();
    }
  }

  /**
   * Recomputes, from raw rows in `source`, every bucket of every grain that [fromMs, toMs) touches
   * for the given series: the rollup side of a correction.
   */
  async recomputeRange(
    sql: Sql,
    options: { ws: number; tz: string; series: number[]; fromMs: number; toMs: number; source: string },
  ): Promise<void> {
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
    this.totalsCache.drop(ws);
    this.minuteProfiles.drop(ws);
    this.hourProfiles.drop(ws);
    this.levelsCache.drop(ws);
    this.levelSlotsCache.drop(ws);
    this.minuteRowsCache.drop(ws);
  }

  async deleteWorkspace(sql: Sql, ws: number): Promise<void> {
    for (const statement of q.deleteWorkspace) await sql.run(statement, { ws });
    this.seriesIds.delete(ws);
    this.seriesById.delete(ws);
    this.totalsCache.drop(ws);
    this.minuteProfiles.drop(ws);
    this.hourProfiles.drop(ws);
    this.levelsCache.drop(ws);
    this.levelSlotsCache.drop(ws);
    this.minuteRowsCache.drop(ws);
  }

  /** Merges partial rows appended since the last run into one row per key. Returns rows merged. */
  async compact(): Promise<number> {
    return this.db.write(async (sql) => {
      const watermark = Number((await sql.one<{ value: string }>(q.watermark))?.value ?? 0);
      const gen = this.gen;
      if (gen <= watermark) return 0;
      let merged = 0;
      await sql.transaction(async () => {
        for (const table of Object.values(GRAIN_TABLES)) {
          merged += Number((await sql.one<{ n: string }>(q.partialCount(table), { watermark }))!.n);
          await sql.script(q.compact(table), { watermark, gen });
        }
        await sql.script(q.setWatermark, { gen });
      });
      return merged;
    });
  }

  /** One row per bucket; gauges combine their per-key latest values as the metric says. */
  async series(filter: SeriesFilter): Promise<SeriesRow[]> {
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
      return this.counterMinutes(filter.workspaceKey, ids, filter.fromMs, filter.toMs);
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

  /**
   * Minute rows of counters, read as whole UTC hours of per-minute aggregates over the series set:
   * a "last hour by minute" chart that moves each minute re-reads only the hour that changed.
   */
  private async counterMinutes(
    ws: number,
    ids: number[],
    fromMs: number,
    toMs: number,
  ): Promise<SeriesRow[]> {
    const list = ids.join(',');
    const first = floorTo(fromMs, MINUTE);
    const hours: RangeKey[] = [];
    for (let hour = floorTo(first, HOUR); hour < toMs; hour += HOUR) {
      hours.push({ table: `minutes:${list}`, from: hour, to: hour + HOUR, fromMs: hour, toMs: hour + HOUR });
    }
    const found = hours.map((h) => this.minuteRowsCache.get(ws, h));
    const missing = found.flatMap((f, i) => (f ? [] : [i]));
    if (missing.length > 0) {
      const version = this.minuteRowsCache.version(ws);
      const params: Record<string, DuckDBValue> = { ws, series: listValue(ids) };
      const branches = missing.map((i, j) => {
        params[`f${j}`] = iso(hours[i]!.fromMs);
        params[`t${j}`] = iso(hours[i]!.toMs);
        return { from: `f${j}`, to: `t${j}` };
      });
      const rows = await this.db.read((sql) =>
        sql.rows<{ part: number; slot: number; sum: number; count: number; min: number; max: number }>(
          q.minuteAggregates(branches),
          params,
        ),
      );
      const fetched = missing.map(() => ({
        sum: new Float64Array(60),
        count: new Float64Array(60),
        min: new Float64Array(60),
        max: new Float64Array(60),
      }));
      for (const r of rows) {
        const f = fetched[r.part]!;
        f.sum[r.slot] = r.sum;
        f.count[r.slot] = r.count;
        f.min[r.slot] = r.min;
        f.max[r.slot] = r.max;
      }
      missing.forEach((i, j) => {
        found[i] = fetched[j]!;
        this.minuteRowsCache.set(ws, version, hours[i]!, fetched[j]!);
      });
    }
    const out: SeriesRow[] = [];
    hours.forEach((h, i) => {
      const f = found[i]!;
      for (let m = 0; m < 60; m++) {
        const bucket = h.fromMs + m * MINUTE;
        if (bucket < first || bucket >= toMs || f.count[m] === 0) continue;
        out.push({
          bucket: new Date(bucket).toISOString(),
          sum: f.sum[m]!,
          count: f.count[m]!,
          min: f.min[m]!,
          max: f.max[m]!,
          last: null,
        });
      }
    });
    return out;
  }
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** `2026-03-29T00:00:00+01:00` from a local wall-clock time and the instant it stands for. */
export function isoWithOffset(localMs: number, instantMs: number): string {
  const offsetMin = Math.round((localMs - instantMs) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${new Date(localMs).toISOString().slice(0, 19)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
