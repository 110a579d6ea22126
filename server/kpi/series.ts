import type { KpiDefinition } from '../../shared/kpis.js';
import { faults } from '../errors.js';
import type { RollupService } from '../rollups/service.js';
import { DAY, floorTo, HOUR, isoWithOffset, type Window } from '../../shared/time.js';
import {
  combineLevels,
  computeKpi,
  evaluate,
  kpiSeries,
  levelCombine,
  type Scope,
  type Value,
} from './compute.js';

export type KpiGrain = 'hour' | 'day' | 'week';
const MAX_BUCKETS = 5000;

export interface Bucket {
  label: string;
  /** The bucket's key in the rollup table it is read from (hour: instant; day: wall-clock midnight). */
  keys: number[];
  window: Window;
}

/**
 * A KPI per bucket and brand, for charts, over the buckets of `bucketsOf` (at least one).
 */
export async function kpiSeriesValues(
  rollups: RollupService,
  kpi: KpiDefinition,
  scope: Scope,
  grain: KpiGrain,
  buckets: Bucket[],
): Promise<{ buckets: string[]; values: Map<string, (number | null)[]> }> {
  if (kpi.formula.kind === 'custom') {
    return perBucket(scope, buckets, 1000, (window) => computeKpi(rollups, kpi, scope, window));
  }
  const ids = kpiSeries(rollups, kpi, scope);
  const table = grain === 'hour' ? 'hour' : 'day';
  const first = buckets[0]!.keys[0]!;
  const last = buckets[buckets.length - 1]!;
  const end = last.keys[last.keys.length - 1]! + (table === 'hour' ? HOUR : DAY);
  const range = { table, first, end } as const;
  const values =
    kpi.formula.kind === 'level' || kpi.formula.kind === 'growth'
      ? await levelSeries(rollups, kpi, scope, buckets, ids, range)
      : await totalSeries(rollups, kpi, scope, buckets, ids, range);
  return { buckets: buckets.map((b) => b.label), values };
}

interface BucketRange {
  table: 'hour' | 'day';
  /** The first bucket's key and the end of the last, in the table's terms. */
  first: number;
  end: number;
}

/**
 * Totals-based KPIs: sums per brand and metric in one dense array per pair (a slot per hour or
 * local day), then the formula per bucket.
 */
async function totalSeries(
  rollups: RollupService,
  kpi: KpiDefinition,
  scope: Scope,
  buckets: Bucket[],
  ids: number[],
  range: BucketRange,
): Promise<Map<string, (number | null)[]>> {
  const keys = rollups.seriesKeys(scope.ws);
  const groupOf = new Map<string, number>();
  const groups = ids.map((id) => {
    const key = `${keys.get(id)!.brand}\u0000${keys.get(id)!.metric}`;
    if (!groupOf.has(key)) groupOf.set(key, groupOf.size);
    return groupOf.get(key)!;
  });
  const slotOf = new Map<number, number>();
  for (const bucket of buckets) for (const key of bucket.keys) slotOf.set(key, slotOf.size);
  const dense = Array.from(groupOf.keys(), () => new Float64Array(slotOf.size).fill(NaN));
  const add = (group: number, slot: number, sum: number) => {
    const a = dense[group]!;
    a[slot] = Number.isNaN(a[slot]!) ? sum : a[slot]! + sum;
  };
  if (range.table === 'hour') {
    // Hour buckets are consecutive from the first: slot h is hour h.
    const hourly = await rollups.hourlySums(scope.ws, range.first, range.end, ids);
    ids.forEach((id, i) => {
      const sums = hourly.get(id)!;
      for (let h = 0; h < sums.length; h++) if (!Number.isNaN(sums[h]!)) add(groups[i]!, h, sums[h]!);
    });
  } else {
    for (const row of await rollups.bucketTotals(scope.ws, ids, 'day', range.first, range.end, groups)) {
      const slot = slotOf.get(row.bucket);
      if (slot !== undefined) add(row.series, slot, row.sum);
    }
  }
  const values = new Map<string, (number | null)[]>(scope.brands.map((b) => [b, []]));
  let slot = 0;
  for (const bucket of buckets) {
    const from = slot;
    slot += bucket.keys.length;
    const to = slot;
    const total = (brand: string, metric: string) => {
      const group = groupOf.get(`${brand}\u0000${metric}`);
      if (group === undefined) return undefined;
      let sum = NaN;
      for (let i = from; i < to; i++) {
        const v = dense[group]![i]!;
        if (!Number.isNaN(v)) sum = Number.isNaN(sum) ? v : sum + v;
      }
      return Number.isNaN(sum) ? undefined : sum;
    };
    const result = evaluate(kpi, scope.brands, {
      total,
      levelAtEnd: () => undefined,
      levelAtStart: () => undefined,
    });
    for (const brand of scope.brands) values.get(brand)!.push(result.get(brand)!.value);
  }
  return values;
}

/** Level KPIs: per series, the latest value carried from bucket to bucket, then combined per brand. */
async function levelSeries(
  rollups: RollupService,
  kpi: KpiDefinition,
  scope: Scope,
  buckets: Bucket[],
  ids: number[],
  range: BucketRange,
): Promise<Map<string, (number | null)[]>> {
  const keys = rollups.seriesKeys(scope.ws);
  const rows = await rollups.bucketTotals(scope.ws, ids, range.table, range.first, range.end);
  const byKey = new Map<number, typeof rows>();
  for (const row of rows) {
    const list = byKey.get(row.bucket) ?? [];
    list.push(row);
    byKey.set(row.bucket, list);
  }
  // Levels carry over from bucket to bucket, starting from their value before the first one.
  const startMs = range.table === 'hour' ? range.first : scope.zone.toInstant(range.first);
  const carried = await rollups.levelsAsOf(scope.ws, ids, startMs);
  const combine = levelCombine(kpi, scope);
  let levelBefore = combineLevels(carried, keys, combine);
  const values = new Map<string, (number | null)[]>(scope.brands.map((b) => [b, []]));
  for (const bucket of buckets) {
    for (const key of bucket.keys) {
      for (const row of byKey.get(key) ?? []) carried.set(row.series, row.last!);
    }
    const levelAfter = combineLevels(carried, keys, combine);
    const result = evaluate(kpi, scope.brands, {
      total: () => undefined,
      levelAtEnd: (brand) => levelAfter.get(brand),
      levelAtStart: (brand) => levelBefore.get(brand),
    });
    for (const brand of scope.brands) values.get(brand)!.push(result.get(brand)!.value);
    levelBefore = levelAfter;
  }
  return values;
}

/**
 * A KPI computed bucket by bucket (custom KPIs read their own aggregates; the DPI scores the whole
 * catalogue), for at most `max` buckets.
 */
export async function perBucket(
  scope: Scope,
  buckets: Bucket[],
  max: number,
  compute: (window: Window) => Promise<Map<string, Value>>,
): Promise<{ buckets: string[]; values: Map<string, (number | null)[]> }> {
  if (buckets.length > max) {
    throw faults.invalidQuery(
      `This KPI's series is computed bucket by bucket and limited to ${max} buckets; the range holds ${buckets.length}.`,
      'Narrow from/to or choose a coarser grain.',
    );
  }
  const values = new Map<string, (number | null)[]>(scope.brands.map((b) => [b, []]));
  for (const bucket of buckets) {
    const result = await compute(bucket.window);
    for (const brand of scope.brands) values.get(brand)!.push(result.get(brand)!.value);
  }
  return { buckets: buckets.map((b) => b.label), values };
}

/**
 * Hour buckets are UTC hours, day and week buckets local days and Monday-started weeks of the
 * workspace. Buckets overlapping [fromMs, toMs) are whole.
 */
export function bucketsOf(scope: Scope, grain: KpiGrain, fromMs: number, toMs: number): Bucket[] {
  const buckets: Bucket[] = [];
  const push = (bucket: Bucket) => {
    if (buckets.length === MAX_BUCKETS) {
      throw faults.invalidQuery(
        `The range holds more than ${MAX_BUCKETS} ${grain} buckets.`,
        'Narrow from/to or choose a coarser grain.',
      );
    }
    buckets.push(bucket);
  };
  if (grain === 'hour') {
    for (let h = floorTo(fromMs, HOUR); h < toMs; h += HOUR) {
      push({ label: new Date(h).toISOString(), keys: [h], window: { fromMs: h, toMs: h + HOUR } });
    }
    return buckets;
  }
  const zone = scope.zone;
  let day = zone.localDay(fromMs);
  if (grain === 'week') day -= ((new Date(day).getUTCDay() + 6) % 7) * DAY;
  const step = grain === 'week' ? 7 : 1;
  while (zone.toInstant(day) < toMs) {
    const keys = Array.from({ length: step }, (_, i) => day + i * DAY);
    push({
      label: isoWithOffset(day, zone.toInstant(day)),
      keys,
      window: { fromMs: zone.toInstant(day), toMs: zone.toInstant(day + step * DAY) },
    });
    day += step * DAY;
  }
  return buckets;
}
