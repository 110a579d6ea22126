// The M4 competition's benchmarks, by hand: seasonal naive, Naive2 and Theta. They are the
// fallbacks for series too short for MSTL and the yardstick of OWA.

/** Autocorrelation at lag `k`. */
function acf(y: ArrayLike<number>, k: number): number {
  const n = y.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]!;
  mean /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const d = y[i]! - mean;
    den += d * d;
    if (i + k < n) num += d * (y[i + k]! - mean);
  }
  return den === 0 ? 0 : num / den;
}

/** The M4 guide's test: seasonal when the autocorrelation at lag m passes the 90 % bound. */
export function isSeasonal(y: ArrayLike<number>, m: number): boolean {
  if (m <= 1 || y.length < 3 * m) return false;
  let sum = 0;
  for (let k = 1; k < m; k++) sum += acf(y, k) ** 2;
  const bound = 1.645 * Math.sqrt((1 + 2 * sum) / y.length);
  return Math.abs(acf(y, m)) > bound;
}

/** Multiplicative seasonal indices by classical decomposition (centred moving average), one per phase. */
export function seasonalIndices(y: ArrayLike<number>, m: number): number[] {
  const n = y.length;
  const ratios: number[][] = Array.from({ length: m }, () => []);
  const half = Math.floor(m / 2);
  for (let t = half; t < n - half; t++) {
    let sum = 0;
    if (m % 2 === 0) {
      for (let k = -half; k <= half; k++) sum += (Math.abs(k) === half ? 0.5 : 1) * y[t + k]!;
      sum /= m;
    } else {
      for (let k = -half; k <= half; k++) sum += y[t + k]!;
      sum /= m;
    }
    if (sum !== 0) ratios[t % m]!.push(y[t]! / sum);
  }
  const raw = ratios.map((r) => (r.length ? r.reduce((a, b) => a + b, 0) / r.length : 1));
  const mean = raw.reduce((a, b) => a + b, 0) / m;
  return raw.map((r) => r / mean);
}

/** The last season repeated. */
export function seasonalNaive(y: ArrayLike<number>, m: number, horizon: number): number[] {
  const n = y.length;
  const period = Math.max(1, Math.min(m, n));
  return Array.from({ length: horizon }, (_, h) => y[n - period + (h % period)]!);
}

/** Deseasonalised when the test says so (the M4 recipe), forecast by `f`, then reseasonalised. */
function adjusted(y: ArrayLike<number>, m: number, f: (adjusted: number[]) => number[]): number[] {
  const n = y.length;
  const seasonal = isSeasonal(y, m) && Array.from(y).every((v) => v > 0);
  const indices = seasonal ? seasonalIndices(y, m) : [];
  const index = (t: number) => (seasonal ? indices[t % m]! : 1);
  const flat = Array.from(y, (v, t) => v / index(t));
  return f(flat).map((v, h) => v * index(n + h));
}

/** Naive on the seasonally adjusted series (M4's Naive2). */
export function naive2(y: ArrayLike<number>, m: number, horizon: number): number[] {
  return adjusted(y, m, (flat) => Array.from({ length: horizon }, () => flat[flat.length - 1]!));
}

/** Simple exponential smoothing: the smoothing weight minimising the in-sample squared error. */
function ses(y: number[]): { level: number; alpha: number } {
  let best = { level: y[y.length - 1]!, alpha: 1, sse: Infinity };
  for (let alpha = 0.05; alpha <= 1.0001; alpha += 0.05) {
    let level = y[0]!;
    let sse = 0;
    for (let t = 1; t < y.length; t++) {
      const e = y[t]! - level;
      sse += e * e;
      level += alpha * e;
    }
    if (sse < best.sse) best = { level, alpha, sse };
  }
  return { level: best.level, alpha: best.alpha };
}

/** The Theta method (M4's benchmark): SES plus half the linear trend, on the adjusted series. */
export function theta(y: ArrayLike<number>, m: number, horizon: number): number[] {
  return adjusted(y, m, (flat) => {
    const n = flat.length;
    if (n < 3) return Array.from({ length: horizon }, () => flat[n - 1]!);
    const tMean = (n - 1) / 2;
    const yMean = flat.reduce((a, b) => a + b, 0) / n;
    let num = 0;
    let den = 0;
    for (let t = 0; t < n; t++) {
      num += (t - tMean) * (flat[t]! - yMean);
      den += (t - tMean) ** 2;
    }
    const slope = den === 0 ? 0 : num / den;
    const { level, alpha } = ses(flat);
    return Array.from(
      { length: horizon },
      (_, h) => level + (slope / 2) * (h + 1 / alpha - (1 - alpha) ** n / alpha),
    );
  });
}
