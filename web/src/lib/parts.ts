// Readers of the live topics' records, in the order the views show them (the parts and their keys
// are named in shared/schemas/live-data.ts).
import { entriesOf, PREFIX, tileKey } from '../../../shared/live.js';
import type {
  Alert,
  BenchmarkSet,
  QualityCounters,
  SeriesPoint,
  Tile,
  TopicData,
} from '../../../shared/schemas/live.js';
import type { BenchmarkRow } from '../../../shared/schemas/kpi.js';

export const tileOf = (data: TopicData<'tiles'> | null, kpi: string): Tile | null =>
  data?.[tileKey(kpi)] ?? null;

/** Benchmark rows, best rank first (brands without a value last). */
export const benchmarkRows = (data: TopicData<'benchmark'> | null): BenchmarkRow[] =>
  entriesOf(data, PREFIX.row).sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity));

export const benchmarkSet = (data: TopicData<'benchmark'> | null): BenchmarkSet | null => data?.set ?? null;

/** Chart points, oldest first. */
export const seriesPoints = (data: TopicData<'series'> | null): SeriesPoint[] =>
  entriesOf(data, PREFIX.point).sort((a, b) => Date.parse(a.bucket) - Date.parse(b.bucket));

export const qualityCounters = (data: TopicData<'quality'> | null): QualityCounters | null =>
  data?.counters ?? null;

/** How far outside its band an anomaly's value lies, in band widths (0 for other alerts). */
function outlying(alert: Alert): number {
  const { value, lo, hi } = alert;
  if (value == null || lo === undefined || hi === undefined) return 0;
  const width = Math.max(hi - lo, Number.EPSILON);
  return Math.max(lo - value, value - hi, 0) / width;
}

/** Alerts, newest first. A burst raised at one time (a bad buzz moves many series at once) leads
 * with what matters most, since a wall shows only the first few: critical before warning, the more
 * outlying value first. */
export const alertsOf = (data: TopicData<'alerts'> | null): Alert[] =>
  entriesOf(data, PREFIX.alert).sort(
    (a, b) =>
      Date.parse(b.at) - Date.parse(a.at) ||
      Number(b.severity === 'critical') - Number(a.severity === 'critical') ||
      outlying(b) - outlying(a),
  );
