// A ratio over too little volume (the hub flags it lowVolume) is shown as "not enough data (12
// mentions)" instead of a value that swings between 0 % and 100 %, and without a rank.
import { KPIS_BY_ID, volumeMetric } from '../../../shared/kpis.js';
import { formatCount } from '../../../shared/format.js';
import type { BenchmarkRow } from '../../../shared/schemas/kpi.js';
import { METRICS_BY_ID } from '../../../shared/vocabulary.js';

/** "12 mentions", "8 visits": the volume a flagged value rests on, in the reader's language. */
export function volumeWords(kpi: string, volume: number | undefined, locale: string): string {
  const definition = KPIS_BY_ID.get(kpi);
  const metric = definition && volumeMetric(definition.formula);
  const label = metric ? METRICS_BY_ID.get(metric)?.label : undefined;
  const count = formatCount(volume ?? 0, locale);
  if (!label) return count;
  return `${count} ${(locale.startsWith('fr') ? label.fr : label.en).toLowerCase()}`;
}

/** Ranked brands by rank (the hub ranks the right way round for lower-is-better KPIs), then the
 *  low-volume ones, which the reader is not to compare. */
export function rankedOrder(rows: readonly BenchmarkRow[]): BenchmarkRow[] {
  const byRank = (a: BenchmarkRow, b: BenchmarkRow) => (a.rank ?? Infinity) - (b.rank ?? Infinity);
  return [...rows.filter((r) => !r.lowVolume).sort(byRank), ...rows.filter((r) => r.lowVolume).sort(byRank)];
}
