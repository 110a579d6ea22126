// One bad buzz in the history must not teach the model that the next day will be loud too, nor
// widen every band fitted for four weeks after it: points far from the same time of the other
// cycles are pulled back to a few robust deviations before a fit. A level shift that lasts is
// learned once most of the neighbouring cycles share it (two or three cycles).

const NEIGHBOURS = 3;
/**
 * How far a KPI's point may stand from its neighbours, in robust standard deviations (MAD ×
 * 1.4826): far enough that only a buzz is touched (on M4 Hourly, sMAPE 11.58 and 95 % coverage 0.933, against 11.57 and 0.935 untouched).
 */
export const OUTLIER_LIMIT = 10;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The series with its outliers clipped (on log(1 + y) for a non-negative series); others unchanged. */
export function tameOutliers(y: readonly number[], period: number, limitSds = OUTLIER_LIMIT): number[] {
  if (period < 2 || y.length < 3 * period) return [...y];
  const nonNegative = y.every((v) => v >= 0);
  const t = nonNegative ? y.map(Math.log1p) : [...y];
  const reference = t.map((_, i) => {
    const around: number[] = [];
    for (let k = 1; k <= NEIGHBOURS; k++) {
      if (i - k * period >= 0) around.push(t[i - k * period]!);
      if (i + k * period < t.length) around.push(t[i + k * period]!);
    }
    return median(around);
  });
  const residuals = t.map((v, i) => v - reference[i]!);
  const centre = median(residuals);
  // A series without noise still has a scale: 1 % of its typical size (on the log scale, 1 %).
  const typical = nonNegative ? 1 : median(t.map(Math.abs)) || 1;
  const scale = Math.max(1.4826 * median(residuals.map((r) => Math.abs(r - centre))), 0.01 * typical);
  const limit = limitSds * scale;
  const back = nonNegative ? Math.expm1 : (v: number) => v;
  return y.map((v, i) => {
    const r = residuals[i]! - centre;
    return Math.abs(r) <= limit ? v : back(reference[i]! + centre + Math.sign(r) * limit);
  });
}
