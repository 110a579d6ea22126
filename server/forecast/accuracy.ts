// Forecast accuracy as the M4 competition defines it.

/** Symmetric MAPE in percent. */
export function smape(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    const denominator = Math.abs(actual[i]!) + Math.abs(forecast[i]!);
    sum += denominator === 0 ? 0 : (200 * Math.abs(actual[i]! - forecast[i]!)) / denominator;
  }
  return sum / actual.length;
}

/** Mean absolute error scaled by the in-sample seasonal naive error (seasonality m). */
export function mase(
  train: ArrayLike<number>,
  actual: ArrayLike<number>,
  forecast: ArrayLike<number>,
  m: number,
): number {
  let scale = 0;
  for (let t = m; t < train.length; t++) scale += Math.abs(train[t]! - train[t - m]!);
  scale /= train.length - m;
  let error = 0;
  for (let i = 0; i < actual.length; i++) error += Math.abs(actual[i]! - forecast[i]!);
  error /= actual.length;
  return scale === 0 ? (error === 0 ? 0 : Infinity) : error / scale;
}

/** Overall weighted average: sMAPE and MASE each relative to Naive2's, averaged. */
export const owa = (s: number, m: number, naive2Smape: number, naive2Mase: number) =>
  (s / naive2Smape + m / naive2Mase) / 2;
