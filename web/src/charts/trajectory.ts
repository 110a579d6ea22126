// An objective's trajectory over its period: the KPI so far, then its forecast to the period end.
// A counter is drawn as it accumulates towards its target (running totals, and the forecast's
// buckets added up); any other KPI bucket by bucket. The bands are those of the hub's projection
// (server/objectives/projection.ts): a normal whose spread is read off each bucket's 95 % band, a
// sum's spread the sum of its buckets' (errors taken as moving together), so that the band at the
// period end is the 80 % range the objective's card shows.
import type { ForecastPoint, KpiForecast } from '../../../shared/schemas/forecast.js';

const STEP_MS = { hour: 3_600_000, day: 86_400_000 } as const;
const Z95 = 1.959963984540054;
const Z80 = 1.2815515655446004;

const sigmaOf = (p: ForecastPoint) => Math.max(0, p.hi95 - p.lo95) / (2 * Z95);

/** A point of the normal band of this mean and spread. */
const normal = (ms: number, mean: number, sigma: number): ForecastPoint => ({
  bucket: new Date(ms).toISOString(),
  mean,
  lo80: mean - Z80 * sigma,
  hi80: mean + Z80 * sigma,
  lo95: mean - Z95 * sigma,
  hi95: mean + Z95 * sigma,
});

export type Point = [number, number | null];

/** Each point's span: to the next one (days across a DST change), the last one a step. */
function spans(forecast: KpiForecast): { point: ForecastPoint; fromMs: number; toMs: number }[] {
  const step = STEP_MS[forecast.grain as keyof typeof STEP_MS] ?? STEP_MS.hour;
  return forecast.points.map((point, i) => {
    const fromMs = Date.parse(point.bucket);
    const next = forecast.points[i + 1];
    return { point, fromMs, toMs: next ? Date.parse(next.bucket) : fromMs + step };
  });
}

/**
 * A counter's running total: at each bucket's start what came before it, then `current` where the
 * KPI was last read (`readMs`). Buckets without data count nothing.
 */
export function runningTotal(
  buckets: readonly string[],
  values: readonly (number | null)[],
  readMs: number,
  current: number,
): Point[] {
  let total = 0;
  const points: Point[] = buckets.map((b, i) => {
    const at: Point = [Date.parse(b), total];
    total += values[i] ?? 0;
    return at;
  });
  return [...points.filter(([t]) => t < readMs), [readMs, current]];
}

/**
 * The forecast of a counter's running total from `current` at `fromMs` to `toMs`: a point at each
 * bucket's end (the first and last prorated).
 */
export function cumulativeForecast(
  forecast: KpiForecast,
  fromMs: number,
  toMs: number,
  current: number,
): ForecastPoint[] {
  const out = [normal(fromMs, current, 0)];
  let mean = current;
  let sigma = 0;
  for (const { point, fromMs: start, toMs: end } of spans(forecast)) {
    const overlap = Math.min(end, toMs) - Math.max(start, fromMs);
    if (overlap <= 0) continue;
    const w = overlap / (end - start);
    mean += w * point.mean;
    sigma += w * sigmaOf(point);
    out.push(normal(Math.min(end, toMs), mean, sigma));
  }
  return out;
}

/** Another KPI's forecast, bucket by bucket, to the last bucket before the period end. */
export const forecastUntil = (forecast: KpiForecast, toMs: number): ForecastPoint[] =>
  forecast.points
    .filter((p) => Date.parse(p.bucket) < toMs)
    .map((p) => normal(Date.parse(p.bucket), p.mean, sigmaOf(p)));
