import type { KpiDefinition } from '../../shared/kpis.js';
import { errors } from '../errors.js';
import { isoWithOffset, type RollupService } from '../rollups/service.js';
import { DAY, floorTo, HOUR, type Window } from '../time/zone.js';
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
 * A KPI per bucket and brand, for charts: hour buckets are UTC hours, day and week buckets local
 * days and Monday-started weeks of the workspace. Buckets overlapping [fromMs, toMs) are whole.
 */
export async function kpiSeriesValues(
  rollups: RollupService,
  kpi: KpiDefinition,
  scope: Scope,
  grain: KpiGrain,
  fromMs: number,
  toMs: number,
): Promise<{ buckets: string[]; values: Map<string, (number | null)[]> }> {
  const buckets = bucketsOf(scope, grain, fromMs, toMs);
  if (kpi.formula.kind === 'custom') {
    return perBucket(scope, buckets, 1000, (window) => computeKpi(rollups, kpi, scope, window));
  }
  const ids = kpiSeries(rollups, kpi, scope);
  const keys = rollups.seriesKeys(scope.ws);
  const table = grain === 'hour' ? 'hour' : 'day';
  const levels = kpi.formula.kind === 'level' || kpi.formula.kind === 'growth';
  // Totals are read per brand and metric; levels per series, as they carry over per series.
  const totalKey = (id: number) => `${keys.get(id)!.brand}\u0000${keys.get(id)!.metric}`;
  const groupKeys = [...new Set(ids.map(totalKey))];
  const groups = levels ? undefined : ids.map((id) => groupKeys.indexOf(totalKey(id)));
  const first = buckets[0]!.keys[0]!;
  const last = buckets[buckets.length - 1]!;
  const rows = await rollups.bucketTotals(
    scope.ws,
    ids,
    table,
    first,
    last.keys[last.keys.length - 1]! + (table === 'hour' ? HOUR : DAY),
    groups,
  );
  const byKey = new Map<number, typeof rows>();
  for (const row of rows) {
    const list = byKey.get(row.bucket) ?? [];
    list.push(row);
    byKey.set(row.bucket, list);
  }
  // Levels carry over from bucket to bucket, starting from their value before the first one.
  const startMs = table === 'hour' ? first : scope.zone.toInstant(first);
  const carried = levels ? await rollups.levelsAsOf(scope.ws, ids, startMs) : new Map<number, number>();
  const combine = levelCombine(kpi, scope);
  let levelBefore = combineLevels(carried, keys, combine);
  const values = new Map<string, (number | null)[]>(scope.brands.map((b) => [b, []]));
  for (const bucket of buckets) {
    const totals = new Map<string, number>();
    for (const key of bucket.keys) {
      for (const row of byKey.get(key) ?? []) {
        const t = levels ? totalKey(row.series) : groupKeys[row.series]!;
        totals.set(t, (totals.get(t) ?? 0) + row.sum);
        if (levels) carried.set(row.series, row.last!);
      }
    }
    const levelAfter = levels ? combineLevels(carried, keys, combine) : levelBefore;
    const result = evaluate(kpi, scope.brands, {
      total: (brand, metric) => totals.get(`${brand}\u0000${metric}`),
      levelAtEnd: (brand) => levelAfter.get(brand),
      levelAtStart: (brand) => levelBefore.get(brand),
    });
    for (const brand of scope.brands) values.get(brand)!.push(result.get(brand)!.value);
    levelBefore = levelAfter;
  }
  return { buckets: buckets.map((b) => b.label), values };
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
    throw errors.invalidQuery(
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

export function bucketsOf(scope: Scope, grain: KpiGrain, fromMs: number, toMs: number): Bucket[] {
  const buckets: Bucket[] = [];
  const push = (bucket: Bucket) => {
    if (buckets.length === MAX_BUCKETS) {
      throw errors.invalidQuery(
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
