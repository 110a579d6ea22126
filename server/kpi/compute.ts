import type { KpiDefinition } from '../../shared/kpis.js';
import { formulaMetrics } from '../../shared/kpis.js';
import { METRICS_BY_ID, type Touchpoint } from '../../shared/vocabulary.js';
import { coverWindow } from '../rollups/cover.js';
import type { RollupService, SeriesKey } from '../rollups/service.js';
import type { Window, ZoneOffsets } from '../time/zone.js';

export type NullReason = 'no_data' | 'zero_denominator' | 'no_value_before_start';
export interface Value {
  value: number | null;
  reason?: NullReason;
}

export interface Scope {
  ws: number;
  zone: ZoneOffsets;
  brands: string[];
  touchpoints: readonly Touchpoint[];
  sources?: string[];
}

const none = (reason: NullReason): Value => ({ value: null, reason });

/**
 * A KPI for every brand of the set over one window, from the rollups only: totals over the
 * buckets that cover the window exactly, levels from the latest bucket before its bounds.
 */
export async function computeKpi(
  rollups: RollupService,
  kpi: KpiDefinition,
  scope: Scope,
  window: Window,
): Promise<Map<string, Value>> {
  const metrics = formulaMetrics(kpi.formula);
  const ids = rollups.matchingSeries(scope.ws, {
    metric: metrics,
    brand: scope.brands,
    touchpoint: [...scope.touchpoints],
    source: scope.sources,
  });
  const keys = rollups.seriesKeys(scope.ws);
  const formula = kpi.formula;
  const result = new Map<string, Value>();

  if (formula.kind === 'level' || formula.kind === 'growth') {
    const combine = METRICS_BY_ID.get(formula.metric)?.combine ?? 'sum';
    const level = async (atMs: number) =>
      byBrand(await rollups.levelsAsOf(scope.ws, ids, atMs), keys, combine);
    const end = await level(window.toMs);
    const start = formula.kind === 'growth' ? await level(window.fromMs) : undefined;
    for (const brand of scope.brands) {
      const e = end.get(brand);
      if (e === undefined) result.set(brand, none('no_data'));
      else if (!start) result.set(brand, { value: e });
      else {
        const s = start.get(brand);
        result.set(brand, s === undefined ? none('no_value_before_start') : { value: e - s });
      }
    }
    return result;
  }

  const totals = await rollups.totals(scope.ws, ids, coverWindow(window, scope.zone));
  // brand → metric → total (absent: no rows in the window)
  const sums = new Map<string, Map<string, number>>();
  for (const [id, total] of totals) {
    const key = keys.get(id)!;
    const perMetric = sums.get(key.brand) ?? new Map<string, number>();
    perMetric.set(key.metric, (perMetric.get(key.metric) ?? 0) + total.sum);
    sums.set(key.brand, perMetric);
  }
  const sumOf = (brand: string, metric: string) => sums.get(brand)?.get(metric);
  let setTotal = 0;
  if (formula.kind === 'share')
    for (const brand of scope.brands) setTotal += sumOf(brand, formula.metric) ?? 0;

  for (const brand of scope.brands) {
    switch (formula.kind) {
      case 'sum': {
        const s = sumOf(brand, formula.metric);
        result.set(brand, s === undefined ? none('no_data') : { value: s });
        break;
      }
      case 'ratio': {
        const n = sumOf(brand, formula.numerator);
        const d = sumOf(brand, formula.denominator);
        if (n === undefined || d === undefined) result.set(brand, none('no_data'));
        else result.set(brand, d === 0 ? none('zero_denominator') : { value: n / d });
        break;
      }
      case 'share': {
        const s = sumOf(brand, formula.metric);
        if (s === undefined) result.set(brand, none('no_data'));
        else result.set(brand, setTotal === 0 ? none('zero_denominator') : { value: s / setTotal });
        break;
      }
      case 'net': {
        const p = sumOf(brand, formula.positive);
        const n = sumOf(brand, formula.negative);
        if (p === undefined && n === undefined) result.set(brand, none('no_data'));
        else {
          const total = (p ?? 0) + (n ?? 0);
          result.set(
            brand,
            total === 0 ? none('zero_denominator') : { value: ((p ?? 0) - (n ?? 0)) / total },
          );
        }
        break;
      }
    }
  }
  return result;
}

/** Levels per series combined per brand: followers add up across networks, positions average. */
function byBrand(
  levels: Map<number, number>,
  keys: Map<number, SeriesKey>,
  combine: 'sum' | 'mean',
): Map<string, number> {
  const acc = new Map<string, { total: number; n: number }>();
  for (const [id, value] of levels) {
    const brand = keys.get(id)!.brand;
    const a = acc.get(brand) ?? { total: 0, n: 0 };
    a.total += value;
    a.n++;
    acc.set(brand, a);
  }
  return new Map([...acc].map(([brand, a]) => [brand, combine === 'mean' ? a.total / a.n : a.total]));
}
