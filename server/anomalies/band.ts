import type { ForecastPoint } from '../../shared/schemas/forecast.js';

/** The band a closed bucket is judged against, at the detector's level. */
export interface Band {
  expected: number;
  lo: number;
  hi: number;
}

/** One closed bucket, judged. */
export interface Judgement {
  bucketMs: number;
  value: number;
  band: Band;
  /** Outside the band: how far past its edge, in half-widths of the band (0 at the edge). */
  score: number;
  direction: 'up' | 'down' | null;
}

/** Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.6968302866538, 220.946098424521, -275.928510446969, 138.357751867269, -30.6647980661472,
    2.50662827745924,
  ];
  const b = [-54.4760987982241, 161.585836858041, -155.698979859887, 66.8013118877197, -13.2806815528857];
  const c = [
    -0.00778489400243029, -0.322396458041136, -2.40075827716184, -2.54973253934373, 4.37466414146497,
    2.93816398269878,
  ];
  const d = [0.00778469570904146, 0.32246712907004, 2.445134137143, 3.75440866190742];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

const Z95 = normalQuantile(0.975);
/** Half a percentage point, as percent KPIs hold it (0.01 is 1 %). */
const PERCENT_FLOOR = 0.005;
/** Half a percent of the expected value, for every other unit. */
const RELATIVE_FLOOR = 0.005;

/**
 * The band at `level` from a stored forecast point: its own 80 % and 95 % bands, and other levels
 * scaled from the 95 % one by the normal quantiles (each side on its own: the bands are skewed).
 */
export function bandAt(point: ForecastPoint, level: number, unit: string): Band {
  let lo: number;
  let hi: number;
  if (Math.abs(level - 0.8) < 1e-9) [lo, hi] = [point.lo80, point.hi80];
  else if (Math.abs(level - 0.95) < 1e-9) [lo, hi] = [point.lo95, point.hi95];
  else {
    const k = normalQuantile(0.5 + level / 2) / Z95;
    lo = point.mean - k * (point.mean - point.lo95);
    hi = point.mean + k * (point.hi95 - point.mean);
  }
  // A count moves by whole events: one more or one less than expected is never an anomaly.
  if (unit === 'count') {
    lo = Math.min(lo, point.mean - 1);
    hi = Math.max(hi, point.mean + 1);
  }
  // A share or rate within half a point of expected is noise to its reader, however steady the
  // series was (a fit on a flat share drew a band of ±0.1 pt, and 33.5 % for 33.2 % went critical).
  if (unit === 'percent') {
    lo = Math.min(lo, point.mean - PERCENT_FLOOR);
    hi = Math.max(hi, point.mean + PERCENT_FLOOR);
  } else {
    // Nor is a level within half a percent of expected: a smooth total (followers) is fitted so
    // tightly that 368,267 for 368,404 went out of its band, an alert its message printed as 0.0 %.
    const floor = RELATIVE_FLOOR * Math.abs(point.mean);
    lo = Math.min(lo, point.mean - floor);
    hi = Math.max(hi, point.mean + floor);
  }
  return { expected: point.mean, lo, hi };
}

export function judge(bucketMs: number, value: number, band: Band): Judgement {
  const { expected, lo, hi } = band;
  if (value > hi) {
    return { bucketMs, value, band, direction: 'up', score: (value - hi) / Math.max(hi - expected, 1e-9) };
  }
  if (value < lo) {
    return { bucketMs, value, band, direction: 'down', score: (lo - value) / Math.max(expected - lo, 1e-9) };
  }
  return { bucketMs, value, band, direction: null, score: 0 };
}

/** Warning just outside the band; critical once past it by its own half-width again. */
export const severityOf = (score: number): 'warning' | 'critical' => (score >= 1 ? 'critical' : 'warning');
