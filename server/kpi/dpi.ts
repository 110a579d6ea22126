import { KPIS, type KpiDefinition } from '../../shared/kpis.js';
import type { DpiWeights } from '../../shared/schemas/kpi.js';
import { TOUCHPOINTS, type Touchpoint } from '../../shared/vocabulary.js';
import type { Value } from './compute.js';

export const DEFAULT_DPI_WEIGHTS: DpiWeights = {
  touchpoints: Object.fromEntries(TOUCHPOINTS.map((t) => [t, 1])),
  kpis: Object.fromEntries(KPIS.map((k) => [k.id, 1])),
};

/**
 * Scores 0–100 relative to the set, by min–max: the best brand of the set scores 100, the worst 0,
 * the others in proportion (reversed for lower-is-better KPIs). When every brand has the same
 * value, all score 100: nobody is behind. Brands without a value get no score.
 */
export function scoreSet(kpi: KpiDefinition, values: Map<string, Value>): Map<string, number> {
  const present = [...values].filter((e): e is [string, { value: number }] => e[1].value !== null);
  const scores = new Map<string, number>();
  if (present.length === 0) return scores;
  const all = present.map(([, v]) => v.value);
  const min = Math.min(...all);
  const max = Math.max(...all);
  for (const [brand, { value }] of present) {
    const score = max === min ? 100 : (100 * (value - min)) / (max - min);
    scores.set(brand, kpi.direction === 'higher' ? score : max === min ? 100 : 100 - score);
  }
  return scores;
}

const weightedMean = (parts: { score: number; weight: number }[]): number | undefined => {
  const total = parts.reduce((s, p) => s + p.weight, 0);
  return total === 0 ? undefined : parts.reduce((s, p) => s + p.score * p.weight, 0) / total;
};

/**
 * The Digital Performance Index of each brand: per touchpoint, the weighted mean of its KPIs' set
 * scores; overall, the weighted mean of the touchpoint scores. Weights of 0 leave a KPI or a
 * touchpoint out; a brand's missing scores leave its means (they do not count as 0).
 */
export async function computeDpi(
  brands: string[],
  weights: DpiWeights,
  /** The catalogue plus the workspace's own KPIs (those count only when weighted in). */
  kpis: readonly KpiDefinition[],
  valuesOf: (kpi: KpiDefinition) => Promise<Map<string, Value>>,
  only?: Touchpoint,
): Promise<Map<string, Value>> {
  const touchpoints = only ? [only] : TOUCHPOINTS.filter((t) => (weights.touchpoints[t] ?? 1) > 0);
  const perTouchpoint = new Map<Touchpoint, Map<string, number>>();
  for (const touchpoint of touchpoints) {
    const parts = new Map<string, { score: number; weight: number }[]>();
    for (const kpi of kpis.filter((k) => k.group === touchpoint)) {
      const weight = weights.kpis[kpi.id] ?? (kpi.formula.kind === 'custom' ? 0 : 1);
      if (weight <= 0) continue;
      for (const [brand, score] of scoreSet(kpi, await valuesOf(kpi))) {
        parts.set(brand, [...(parts.get(brand) ?? []), { score, weight }]);
      }
    }
    const scores = new Map<string, number>();
    for (const [brand, list] of parts) {
      const mean = weightedMean(list);
      if (mean !== undefined) scores.set(brand, mean);
    }
    perTouchpoint.set(touchpoint, scores);
  }
  const result = new Map<string, Value>();
  for (const brand of brands) {
    const parts = touchpoints.flatMap((t) => {
      const score = perTouchpoint.get(t)!.get(brand);
      return score === undefined ? [] : [{ score, weight: only ? 1 : (weights.touchpoints[t] ?? 1) }];
    });
    const value = weightedMean(parts);
    result.set(brand, value === undefined ? { value: null, reason: 'no_data' } : { value });
  }
  return result;
}
