import { listValue, type DuckDBValue } from '@duckdb/node-api';
import type { SeriesRow } from '../../shared/schemas/series.js';
import type { Database, NumberColumns } from '../db/database.js';
import { DAY, floorTo, HOUR, iso, MINUTE } from '../../shared/time.js';
import type { Cover } from './cover.js';
import { GRAIN_TABLES, q } from './queries.js';
import { RangeCache, type RangeKey } from './range-cache.js';

const MB = 1024 * 1024;
/** Local day D holds instants in [D − 14 h, D + 1 day + 12 h) whatever the zone (offsets −12 h…+14 h). */
const MAX_ZONE_BEHIND = 12 * HOUR;
const MAX_ZONE_AHEAD = 14 * HOUR;

type Sums = Map<number, number>;
/** Per series, one number per slot (a minute of an hour, an hour of a day); NaN: no rows there. */
type Slots = Map<number, Float64Array>;
type Latest = Map<number, { ts: number; value: number }>;
type LatestSlots = Map<number, { ts: Float64Array; value: Float64Array }>;
interface MinuteAggregates {
  sum: Float64Array;
  count: Float64Array;
  min: Float64Array;
  max: Float64Array;
}

const weighSlots = (m: Slots) => [...m.values()].reduce((n, a) => n + 128 + a.byteLength, 0);
const span = (table: string, fromMs: number, toMs: number): RangeKey => ({
  table,
  from: fromMs,
  to: toMs,
  fromMs,
  toMs,
});
/** A minute span holds 60 slots, a day of hours 24. */
const slotCount = (table: string) => (table.startsWith(GRAIN_TABLES.minute) ? 60 : 24);

/**
 * What KPI windows and short charts read from the rollups, kept until a commit lands in the span
 * it covers (see range-cache.ts): totals of closed ranges, minute edges as whole hours of per-minute
 * sums, hourly series as whole days of hourly sums, levels as closed days plus hour and minute slots
 * of the latest value, counters' minute series as whole hours. A window that moves by a minute reads
 * nothing new; live data invalidates only the spans it lands in.
 */
export class WindowReads {
  // Budgets in estimated bytes (184 MB in all): a few hundred series per workspace fit thousands of
  // ranges; a base with many more series keeps fewer.
  private readonly totalsCache = new RangeCache<Sums>(32 * MB, (m) => 64 * m.size);
  private readonly minuteProfiles = new RangeCache<Slots>(32 * MB, weighSlots);
  private readonly hourProfiles = new RangeCache<Slots>(64 * MB, weighSlots);
  private readonly levelsCache = new RangeCache<Latest>(16 * MB, (m) => 128 * m.size);
  private readonly levelSlotsCache = new RangeCache<LatestSlots>(32 * MB, (m) =>
    [...m.values()].reduce((n, v) => n + 256 + 2 * v.ts.byteLength, 0),
  );
  private readonly minuteRowsCache = new RangeCache<MinuteAggregates>(8 * MB, () => 4 * (60 * 8 + 64));
  private readonly caches = [
    this.totalsCache,
    this.minuteProfiles,
    this.hourProfiles,
    this.levelsCache,
    this.levelSlotsCache,
    this.minuteRowsCache,
  ];

  constructor(private readonly db: Database) {}

  /** A commit stored events of `ws` in [fromMs, toMs]: what was read over that span is stale. */
  changed(ws: number, fromMs: number, toMs: number): void {
    for (const cache of this.caches) cache.changed(ws, fromMs, toMs);
  }

  /** Everything of a workspace (deleted, or its day buckets rebuilt in another zone). */
  drop(ws: number): void {
    for (const cache of this.caches) cache.drop(ws);
  }

  /** The values of `keys`: from the cache, the missing ones by one `load` and then kept. */
  private async readThrough<V>(
    cache: RangeCache<V>,
    ws: number,
    keys: RangeKey[],
    load: (missing: RangeKey[]) => Promise<V[]>,
  ): Promise<V[]> {
    const found = keys.map((key) => cache.get(ws, key));
    const missing = found.flatMap((value, i) => (value === undefined ? [i] : []));
    if (missing.length > 0) {
      const version = cache.version(ws);
      const loaded = await load(missing.map((i) => keys[i]!));
      missing.forEach((i, j) => {
        found[i] = loaded[j]!;
        cache.set(ws, version, keys[i]!, loaded[j]!);
      });
    }
    return found as V[];
  }

  /** One UNION ALL branch per span (`part` in the rows), with the bounds bound as parameters. */
  private branches(
    spans: RangeKey[],
    params: Record<string, DuckDBValue>,
    query: (branches: { table: string; from: string; to: string }[]) => string,
  ): { text: string; all: Record<string, DuckDBValue> } {
    const all: Record<string, DuckDBValue> = { ...params };
    const branches = spans.map((s, j) => {
      all[`f${j}`] = iso(s.from);
      all[`t${j}`] = iso(s.to);
      // A cache key may carry a suffix after the table (the series set it holds).
      return { table: s.table.split(':')[0]!, from: `f${j}`, to: `t${j}` };
    });
    return { text: query(branches), all };
  }

  private readBranches<R extends { part: number }>(
    ...args: Parameters<WindowReads['branches']>
  ): Promise<R[]> {
    const { text, all } = this.branches(...args);
    return this.db.read((sql) => sql.rows<R>(text, all));
  }

  /** The same, as numeric columns: the sums read per slot run to thousands of rows. */
  private readBranchNumbers<K extends string>(
    ...args: Parameters<WindowReads['branches']>
  ): Promise<NumberColumns<K | 'part'>> {
    const { text, all } = this.branches(...args);
    return this.db.read((sql) => sql.numbers<K | 'part'>(text, all));
  }

  /** Sums of every series per span, one slot per minute (of an hour) or hour (of a day). */
  private sumSlots(ws: number, spans: RangeKey[]): Promise<Slots[]> {
    const cache = spans[0]?.table === GRAIN_TABLES.minute ? this.minuteProfiles : this.hourProfiles;
    return this.readThrough(cache, ws, spans, async (missing) => {
      const { length, columns } = await this.readBranchNumbers<'series' | 'slot' | 'sum'>(
        missing,
        { ws },
        (branches) => q.totals(branches.map((b) => ({ ...b, profile: true }))),
      );
      const out = missing.map((): Slots => new Map());
      const { part, series, slot, sum } = columns;
      for (let i = 0; i < length; i++) {
        let slots = out[part[i]!]!.get(series[i]!);
        if (!slots) {
          slots = new Float64Array(slotCount(missing[part[i]!]!.table)).fill(NaN);
          out[part[i]!]!.set(series[i]!, slots);
        }
        slots[slot[i]!] = sum[i]!;
      }
      return out;
    });
  }

  /**
   * The sum per series over a window covered by rollup buckets (see cover.ts): every event of the
   * window counted once, whatever buckets the window cuts.
   */
  async totals(ws: number, series: number[], cover: Cover): Promise<Map<number, number>> {
    if (series.length === 0) return new Map();
    const ranges: RangeKey[] = [];
    if (cover.days) {
      // Day buckets are stored as local midnights: compared as wall-clock times.
      const d = cover.days;
      ranges.push({
        table: GRAIN_TABLES.day,
        from: d.fromLocal,
        to: d.toLocal,
        fromMs: d.fromMs,
        toMs: d.toMs,
      });
    }
    for (const w of cover.hours) ranges.push(span(GRAIN_TABLES.hour, w.fromMs, w.toMs));
    // Minute edges move with every minute of a live window: read as whole hours of minute sums.
    const pieces: { hour: number; from: number; to: number }[] = [];
    for (const w of cover.minutes) {
      for (let hour = floorTo(w.fromMs, HOUR); hour < w.toMs; hour += HOUR) {
        const from = (Math.max(w.fromMs, hour) - hour) / MINUTE;
        pieces.push({ hour, from, to: (Math.min(w.toMs, hour + HOUR) - hour) / MINUTE });
      }
    }
    const hours = [...new Set(pieces.map((p) => p.hour))];
    const [totals, profiles] = await Promise.all([
      this.readThrough(this.totalsCache, ws, ranges, async (missing) => {
        const { length, columns } = await this.readBranchNumbers<'series' | 'sum'>(
          missing,
          { ws },
          (branches) => q.totals(branches.map((b) => ({ ...b, profile: false }))),
        );
        const out = missing.map((): Sums => new Map());
        const { part, series, sum } = columns;
        for (let i = 0; i < length; i++) out[part[i]!]!.set(series[i]!, sum[i]!);
        return out;
      }),
      this.sumSlots(
        ws,
        hours.map((hour) => span(GRAIN_TABLES.minute, hour, hour + HOUR)),
      ),
    ]);
    const wanted = new Set(series);
    const result = new Map<number, number>();
    const add = (id: number, sum: number) => {
      if (wanted.has(id)) result.set(id, (result.get(id) ?? 0) + sum);
    };
    for (const sums of totals) for (const [id, sum] of sums) add(id, sum);
    for (const piece of pieces) {
      for (const [id, minutes] of profiles[hours.indexOf(piece.hour)]!) {
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
   * series has no rows; read as whole UTC days of hourly sums.
   */
  async hourlySums(ws: number, fromMs: number, toMs: number, series: number[]): Promise<Slots> {
    const days: RangeKey[] = [];
    for (let day = floorTo(fromMs, DAY); day < toMs; day += DAY)
      days.push(span(GRAIN_TABLES.hour, day, day + DAY));
    const profiles = await this.sumSlots(ws, days);
    const hours = (toMs - fromMs) / HOUR;
    const result: Slots = new Map();
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

  /** Per series, its latest value with a timestamp before `atMs` (a whole minute). */
  async levelsAsOf(ws: number, series: number[], atMs: number): Promise<Map<number, number>> {
    if (series.length === 0) return new Map();
    // The closed days up to dayCut change once a day (or with late data); the tail after them moves
    // with `atMs`, and is read from cached hour and minute slots.
    const dayCut = floorTo(atMs - DAY - MAX_ZONE_BEHIND, DAY);
    const hourFrom = floorTo(dayCut + DAY - MAX_ZONE_AHEAD, HOUR);
    const hour = floorTo(atMs, HOUR);
    const list = series.join(',');
    const params = { ws, series: listValue(series) };
    // Each key's span is the instants its rows can hold: only commits there make it stale.
    const daysKey = {
      table: `days:${list}`,
      from: dayCut,
      to: dayCut,
      fromMs: -Infinity,
      toMs: dayCut + DAY + MAX_ZONE_BEHIND,
    };
    const spans: RangeKey[] = [];
    for (let day = floorTo(hourFrom, DAY); day < hour; day += DAY) {
      spans.push(span(`${GRAIN_TABLES.hour}:${list}`, day, day + DAY));
    }
    if (hour < atMs) spans.push(span(`${GRAIN_TABLES.minute}:${list}`, hour, hour + HOUR));
    const [[days], slots] = await Promise.all([
      this.readThrough(this.levelsCache, ws, [daysKey], async () => {
        const rows = await this.db.read((sql) =>
          sql.rows<{ series: number; ts: number; value: number }>(q.levelsDays, {
            ...params,
            dayCut: iso(dayCut),
          }),
        );
        return [new Map(rows.map((r) => [r.series, { ts: r.ts, value: r.value }]))];
      }),
      this.readThrough(this.levelSlotsCache, ws, spans, async (missing) => {
        const rows = await this.readBranches<{
          part: number;
          series: number;
          slot: number;
          ts: number;
          value: number;
        }>(missing, params, q.levelSlots);
        const out = missing.map((): LatestSlots => new Map());
        for (const row of rows) {
          let own = out[row.part]!.get(row.series);
          if (!own) {
            const size = slotCount(missing[row.part]!.table);
            own = { ts: new Float64Array(size).fill(NaN), value: new Float64Array(size) };
            out[row.part]!.set(row.series, own);
          }
          own.ts[row.slot] = row.ts;
          own.value[row.slot] = row.value;
        }
        return out;
      }),
    ]);
    const levels = new Map<number, number>();
    for (const id of series) {
      let best = days!.get(id);
      spans.forEach((s, i) => {
        const own = slots[i]!.get(id);
        if (!own) return;
        const step = own.ts.length === 60 ? MINUTE : HOUR;
        const from = Math.ceil(Math.max(0, (hourFrom - s.fromMs) / step));
        const to = Math.min(own.ts.length, ((step === MINUTE ? atMs : hour) - s.fromMs) / step);
        for (let k = from; k < to; k++) {
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

  /**
   * Minute rows of counters over a series set, read as whole UTC hours of per-minute aggregates: a
   * "last hour by minute" chart that moves each minute re-reads only the hour that changed.
   */
  async counterMinutes(ws: number, ids: number[], fromMs: number, toMs: number): Promise<SeriesRow[]> {
    const list = ids.join(',');
    const first = floorTo(fromMs, MINUTE);
    const hours: RangeKey[] = [];
    for (let hour = floorTo(first, HOUR); hour < toMs; hour += HOUR) {
      hours.push(span(`${GRAIN_TABLES.minute}:${list}`, hour, hour + HOUR));
    }
    const found = await this.readThrough(this.minuteRowsCache, ws, hours, async (missing) => {
      const rows = await this.readBranches<{
        part: number;
        slot: number;
        sum: number;
        count: number;
        min: number;
        max: number;
      }>(missing, { ws, series: listValue(ids) }, q.minuteAggregates);
      const out = missing.map((): MinuteAggregates => ({
        sum: new Float64Array(60),
        count: new Float64Array(60),
        min: new Float64Array(60),
        max: new Float64Array(60),
      }));
      for (const r of rows) {
        const f = out[r.part]!;
        f.sum[r.slot] = r.sum;
        f.count[r.slot] = r.count;
        f.min[r.slot] = r.min;
        f.max[r.slot] = r.max;
      }
      return out;
    });
    const rows: SeriesRow[] = [];
    hours.forEach((h, i) => {
      const f = found[i]!;
      for (let m = 0; m < 60; m++) {
        const bucket = h.fromMs + m * MINUTE;
        if (bucket < first || bucket >= toMs || f.count[m] === 0) continue;
        rows.push({
          bucket: iso(bucket),
          sum: f.sum[m]!,
          count: f.count[m]!,
          min: f.min[m]!,
          max: f.max[m]!,
          last: null,
        });
      }
    });
    return rows;
  }
}
