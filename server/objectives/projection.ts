import type { ForecastPoint, KpiForecast } from '../../shared/schemas/forecast.js';
import type { Objective, ObjectiveProjection } from '../../shared/schemas/objectives.js';
import { DAY, HOUR, type Window } from '../../shared/time.js';

// Where an objective will end, from a KPI's forecast, as a normal distribution: its mean is the
// forecast's, its spread read off the 95 % band. The chance of the target is that normal's tail, the
// 80 % range its central 80 %: the two always agree (the forecast's own 80 % and 95 % bands need
// not, as with a short daily history, whose 95 % band is far wider than its 80 % one suggests).

const Z95 = 1.959963984540054;
const Z80 = 1.2815515655446004;
const STEP_MS = { hour: HOUR, day: DAY } as const;
type Target = Pick<Objective, 'target' | 'direction'>;

/** erfc, Numerical Recipes' Chebyshev fit: relative error below 1.2e-7 everywhere, tails included. */
function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(-x * x + poly);
  return x >= 0 ? r : 2 - r;
}

/** The standard normal distribution function. */
export const normalCdf = (z: number) => 0.5 * erfc(-z / Math.SQRT2);

/** A bucket's spread, as the standard deviation of a normal with the same 95 % band. */
export const sigmaOf = (p: Pick<ForecastPoint, 'lo95' | 'hi95'>) => Math.max(0, p.hi95 - p.lo95) / (2 * Z95);

/** The chance that a value ~ N(mean, sigma) meets the target; a sure value meets it or not. */
export function chance(mean: number, sigma: number, { target, direction }: Target): number {
  if (!(sigma > 0)) return (direction === 'at_least' ? mean >= target : mean <= target) ? 1 : 0;
  const z = (mean - target) / sigma;
  return normalCdf(direction === 'at_least' ? z : -z);
}

/** The normal's chance of the target and its central 80 %. */
function distribution(mean: number, sigma: number, objective: Target, grain: 'hour' | 'day') {
  return {
    probability: chance(mean, sigma, objective),
    projected: mean,
    lo80: mean - Z80 * sigma,
    hi80: mean + Z80 * sigma,
    grain,
  };
}

/** The period is over: the value it ended at decides. */
export function settled(value: number, objective: Target): ObjectiveProjection {
  return {
    probability: chance(value, 0, objective),
    projected: value,
    lo80: value,
    hi80: value,
    grain: null,
    reason: 'ended',
  };
}

/** Each point's span: to the next point (a day across a DST change is 23 or 25 hours), the last one a step. */
function spans(forecast: KpiForecast): { point: ForecastPoint; fromMs: number; toMs: number }[] {
  const step = STEP_MS[forecast.grain as keyof typeof STEP_MS] ?? HOUR;
  return forecast.points.map((point, i) => {
    const fromMs = Date.parse(point.bucket);
    const next = forecast.points[i + 1];
    return { point, fromMs, toMs: next ? Date.parse(next.bucket) : fromMs + step };
  });
}

/** Whether the forecast's first bucket, the one under way when it was asked for, holds `nowMs`. */
export function startsAt(forecast: KpiForecast, nowMs: number): boolean {
  const first = spans(forecast)[0];
  return first !== undefined && first.fromMs <= nowMs && nowMs < first.toMs;
}

const grainOf = (forecast: KpiForecast) => (forecast.grain === 'day' ? 'day' : 'hour');

/**
 * A counter at the period end: what it counted so far plus the forecast of what is left, `left`,
 * each bucket prorated by its share inside it (the bucket under way is partly counted already, the
 * last one may run past the end). undefined when the forecast stops before the end.
 *
 * The errors of successive buckets are not independent: a level the model misjudged or a trend it
 * missed moves them all the same way, and summing them as independent would narrow the spread by
 * the square root of their number (24 hours: 5 times too sure). They are taken as fully correlated
 * instead, σ = Σ σᵢ: the widest the sum of these bands can be, so the chance errs towards 50 %
 * rather than towards a false certainty.
 */
export function projectSum(
  forecast: KpiForecast,
  left: Window,
  current: number,
  objective: Target,
): ObjectiveProjection | undefined {
  const all = spans(forecast);
  if (all.length === 0 || all.at(-1)!.toMs < left.toMs || all[0]!.fromMs > left.fromMs) return undefined;
  let mean = current;
  let sigma = 0;
  for (const { point, fromMs, toMs } of all) {
    const overlap = Math.min(toMs, left.toMs) - Math.max(fromMs, left.fromMs);
    if (overlap <= 0) continue;
    const w = overlap / (toMs - fromMs);
    mean += w * point.mean;
    sigma += w * sigmaOf(point);
  }
  return distribution(mean, sigma, objective, grainOf(forecast));
}

/**
 * A level, ratio, share or index at the period end: the forecast of the last bucket before it (of
 * that bucket alone, a little wider than the period's value would be). undefined when the forecast
 * stops before the end.
 */
export function projectLast(
  forecast: KpiForecast,
  endMs: number,
  objective: Target,
): ObjectiveProjection | undefined {
  const last = spans(forecast).findLast((s) => s.fromMs < endMs);
  if (!last || last.toMs < endMs) return undefined;
  return distribution(last.point.mean, sigmaOf(last.point), objective, grainOf(forecast));
}
