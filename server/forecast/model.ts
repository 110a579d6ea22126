import { mase } from './accuracy.js';
import { mstlForecast } from './augurs.js';
import { naive2, seasonalNaive, theta } from './baselines.js';
import { tameOutliers } from './outliers.js';

// The product's forecaster: one recipe for every series. MSTL + AutoETS on log(1 + y), averaged
// with seasonal naive (measured best on M4 Hourly, see ../shared/STACK.md), unless a rolling-origin
// backtest on the series itself prefers a simpler model; intervals from the backtest's own errors
// (split-conformal), because MSTL's bands are far from their nominal coverage.

export type ModelName = 'mstl-log+snaive' | 'mstl+snaive' | 'seasonal-naive' | 'theta' | 'naive2';

export interface ForecastOptions {
  /** Seasonal periods, in buckets (hour grain: 24 and 168). */
  periods: number[];
  horizon: number;
  /**
   * Steps the backtest judges (default: the whole horizon). Shorter, a short series still gets a
   * backtest; past it the interval widens as the square root of the step.
   */
  backtestHorizon?: number;
  /** Backtest origins (more: better intervals, slower). */
  origins?: number;
  /** Clip history points this many robust deviations from their neighbours' level (see outliers.ts). */
  outlierLimit?: number;
}

export interface Forecast {
  model: ModelName;
  mean: number[];
  lo80: number[];
  hi80: number[];
  lo95: number[];
  hi95: number[];
  /** Of the chosen model over the backtest origins; null when the series is too short for one. */
  backtest: { mase: number | null; coverage95: number | null } | null;
}

const MIN_RESIDUALS = 20;
export const MIN_LENGTH = 3;

/** Periods with two whole cycles in the series: shorter ones cannot be estimated. */
export const usablePeriods = (length: number, periods: number[]) =>
  periods.filter((p) => p > 1 && length >= 2 * p).sort((a, b) => a - b);

function candidates(y: ArrayLike<number>, periods: number[]): ModelName[] {
  if (periods.length === 0) return ['theta', 'naive2'];
  const nonNegative = Array.prototype.every.call(y, (v: number) => v >= 0);
  return [nonNegative ? 'mstl-log+snaive' : 'mstl+snaive', 'seasonal-naive', 'theta'];
}

function predict(name: ModelName, y: number[], periods: number[], horizon: number): number[] {
  const m = periods[0] ?? 1;
  switch (name) {
    case 'mstl-log+snaive': {
      const logged = mstlForecast(y.map(Math.log1p), periods, horizon).map(Math.expm1);
      const naive = seasonalNaive(y, m, horizon);
      return logged.map((v, h) => Math.max(0, (v + naive[h]!) / 2));
    }
    case 'mstl+snaive': {
      const fitted = mstlForecast(y, periods, horizon);
      const naive = seasonalNaive(y, m, horizon);
      return fitted.map((v, h) => (v + naive[h]!) / 2);
    }
    case 'seasonal-naive':
      return seasonalNaive(y, m, horizon);
    case 'theta':
      return theta(y, m, horizon);
    case 'naive2':
      return naive2(y, m, horizon);
  }
}

/** The value at `level` of sorted `xs`, as split-conformal prediction takes it (finite-sample). */
function conformalQuantile(sorted: number[], level: number): number {
  const rank = Math.min(sorted.length, Math.ceil((sorted.length + 1) * level));
  return sorted[rank - 1] ?? 0;
}

export function forecast(series: ArrayLike<number>, options: ForecastOptions): Forecast {
  const raw = Array.from(series);
  if (raw.length < MIN_LENGTH)
    throw new Error(`A forecast needs at least ${MIN_LENGTH} values; this series has ${raw.length}.`);
  const bad = raw.findIndex((v) => !Number.isFinite(v));
  if (bad !== -1) throw new Error(`Value ${bad} of the series is ${raw[bad]}, not a number.`);
  const { horizon } = options;
  const judged = Math.min(horizon, options.backtestHorizon ?? horizon);
  const periods = usablePeriods(raw.length, options.periods);
  const m = periods[0] ?? 1;
  const y = options.outlierLimit ? tameOutliers(raw, m, options.outlierLimit) : raw;
  const names = candidates(y, periods);
  // Origins leave at least two cycles of the shortest period (or 8 points) to fit on; a longer
  // period the training part cannot hold twice is left out of that backtest fit.
  const minTrain = Math.max(8, 2 * (periods[0] ?? 1));
  const origins: number[] = [];
  for (let k = 1; k <= (options.origins ?? 6); k++) {
    const origin = y.length - k * judged;
    if (origin >= minTrain) origins.push(origin);
  }

  // A non-negative series errs in proportion to its level: its residuals are taken on log(1 + y),
  // so that a quiet night and a busy evening share one calibration.
  const nonNegative = y.every((v) => v >= 0);
  const toSpace = nonNegative ? Math.log1p : (v: number) => v;
  const fromSpace = nonNegative ? Math.expm1 : (v: number) => v;
  const errors = new Map<ModelName, { scaled: number; residuals: number[][] }>();
  for (const name of names) {
    let scaled = 0;
    const residuals: number[][] = Array.from({ length: judged }, () => []);
    for (const origin of origins) {
      const train = y.slice(0, origin);
      const actual = y.slice(origin, origin + judged);
      const predicted = predict(name, train, usablePeriods(train.length, periods), judged);
      scaled += mase(train, actual, predicted, m);
      actual.forEach((a, h) =>
        residuals[h]!.push(Math.abs(toSpace(a) - toSpace(Math.max(0, predicted[h]!)))),
      );
    }
    errors.set(name, { scaled: origins.length ? scaled / origins.length : Infinity, residuals });
  }
  const model = origins.length
    ? names.reduce((best, name) => (errors.get(name)!.scaled < errors.get(best)!.scaled ? name : best))
    : names[0]!;
  const mean = predict(model, y, periods, horizon);

  // Residuals pooled over groups of neighbouring steps, so that each group has enough of them.
  const residuals = errors.get(model)!.residuals;
  const group = Math.max(1, Math.ceil(MIN_RESIDUALS / Math.max(1, origins.length)));
  const widths = (level: number) =>
    Array.from({ length: horizon }, (_, step) => {
      // Past the judged steps: the last judged group's width, growing as √step.
      const h = Math.min(step, judged - 1);
      const grow = step > h ? Math.sqrt((step + 1) / judged) : 1;
      const start = Math.floor(h / group) * group;
      const pooled = residuals.slice(start, start + group).flat();
      if (pooled.length === 0) return fallbackWidth(y.map(toSpace), m, step, level);
      return (
        grow *
        conformalQuantile(
          pooled.sort((a, b) => a - b),
          level,
        )
      );
    });
  const w80 = widths(0.8);
  const w95 = widths(0.95).map((w, h) => Math.max(w, w80[h]!));
  let covered = 0;
  let outcomes = 0;
  if (origins.length) {
    // Coverage of the 95 % band on the backtest itself (in sample for the calibration: optimistic).
    for (let h = 0; h < judged; h++)
      for (const r of residuals[h]!) {
        outcomes++;
        if (r <= w95[h]!) covered++;
      }
  }
  return {
    model,
    mean,
    lo80: mean.map((v, h) => fromSpace(toSpace(v) - w80[h]!)),
    hi80: mean.map((v, h) => fromSpace(toSpace(v) + w80[h]!)),
    lo95: mean.map((v, h) => fromSpace(toSpace(v) - w95[h]!)),
    hi95: mean.map((v, h) => fromSpace(toSpace(v) + w95[h]!)),
    backtest: origins.length
      ? {
          // A history without change has no scale: its MASE says nothing.
          mase: Number.isFinite(errors.get(model)!.scaled) ? errors.get(model)!.scaled : null,
          coverage95: outcomes ? covered / outcomes : null,
        }
      : null,
  };
}

/** Too short for a backtest: the spread of in-sample seasonal differences, growing with the step. */
function fallbackWidth(y: number[], m: number, step: number, level: number): number {
  const diffs: number[] = [];
  for (let t = m; t < y.length; t++) diffs.push(Math.abs(y[t]! - y[t - m]!));
  if (diffs.length === 0) return 0;
  return (
    conformalQuantile(
      diffs.sort((a, b) => a - b),
      level,
    ) * Math.sqrt(1 + Math.floor(step / m))
  );
}
