// Typed readers of the live topics' records (shared/schemas/live.ts names the parts).
import type { BenchmarkRow } from '../../../shared/schemas/kpi.js';
import type { Alert, LiveData, QualityCounters, Tile } from '../../../shared/live.js';

export interface SeriesPoint {
  bucket: string;
  values: Record<string, number | null>;
}

export interface BenchmarkSet {
  average: number | null;
  median: number | null;
  leader: string | null;
}

function withPrefix<T>(data: LiveData | null, prefix: string): T[] {
  if (!data) return [];
  const out: T[] = [];
  for (const [key, value] of Object.entries(data)) if (key.startsWith(prefix)) out.push(value as T);
  return out;
}

export const tileOf = (data: LiveData | null, kpi: string): Tile | null =>
  (data?.[`tile:${kpi}`] as Tile | undefined) ?? null;

/** Benchmark rows, best rank first (brands without a value last). */
export const benchmarkRows = (data: LiveData | null): BenchmarkRow[] =>
  withPrefix<BenchmarkRow>(data, 'row:').sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity));

export const benchmarkSet = (data: LiveData | null): BenchmarkSet | null =>
  (data?.set as BenchmarkSet | undefined) ?? null;

/** Chart points, oldest first. */
export const seriesPoints = (data: LiveData | null): SeriesPoint[] =>
  withPrefix<SeriesPoint>(data, 'p:').sort((a, b) => Date.parse(a.bucket) - Date.parse(b.bucket));

export const qualityCounters = (data: LiveData | null): QualityCounters | null =>
  (data?.counters as QualityCounters | undefined) ?? null;

/** Alerts, newest first. */
export const alertsOf = (data: LiveData | null): Alert[] =>
  withPrefix<Alert>(data, 'alert:').sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
