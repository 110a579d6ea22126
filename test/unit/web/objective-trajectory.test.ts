import { describe, expect, it } from 'vitest';
import { projectSum } from '../../../server/objectives/projection.js';
import type { KpiForecast } from '../../../shared/schemas/forecast.js';
import { cumulativeForecast, forecastUntil, runningTotal } from '../../../web/src/charts/trajectory.js';

const HOUR = 3_600_000;
const T = Date.parse('2026-03-10T10:00:00Z');
const at = (hhmm: string) => Date.parse(`2026-03-10T${hhmm}:00Z`);
const forecast: KpiForecast = {
  kpi: 'mentions',
  brand: 'acme',
  grain: 'hour',
  model: 'seasonal-naive',
  fittedAt: new Date(T).toISOString(),
  history: 100,
  backtest: null,
  points: [10, 20, 30, 40].map((mean, i) => ({
    bucket: new Date(T + i * HOUR).toISOString(),
    mean,
    lo80: mean - 2,
    hi80: mean + 2,
    lo95: mean - 4,
    hi95: mean + 6,
  })),
};

describe('an objective’s trajectory', () => {
  it('draws a counter as its running total, ending where the KPI was read', () => {
    const buckets = ['07:00', '08:00', '09:00', '10:00'].map((h) => new Date(at(h)).toISOString());
    expect(runningTotal(buckets, [5, null, 7, 3], at('10:30'), 15)).toEqual([
      [at('07:00'), 0],
      [at('08:00'), 5],
      [at('09:00'), 5],
      [at('10:00'), 12],
      [at('10:30'), 15],
    ]);
  });

  it('adds the forecast up to the period end, its band at the end the card’s 80 % range', () => {
    const points = cumulativeForecast(forecast, at('10:30'), at('12:30'), 50);
    expect(points.map((p) => [p.bucket.slice(11, 16), p.mean])).toEqual([
      ['10:30', 50],
      ['11:00', 55],
      ['12:00', 75],
      ['12:30', 90],
    ]);
    const last = points.at(-1)!;
    const projection = projectSum(forecast, { fromMs: at('10:30'), toMs: at('12:30') }, 50, {
      target: 90,
      direction: 'at_least',
    })!;
    expect(last.mean).toBeCloseTo(projection.projected, 9);
    expect(last.lo80).toBeCloseTo(projection.lo80, 9);
    expect(last.hi80).toBeCloseTo(projection.hi80, 9);
    // σ of a bucket: 10 / 3.92 = 2.551; of the 2 buckets left, 5.102: the 95 % band is ± 10.
    expect(last.hi95 - last.mean).toBeCloseTo(10, 9);
    expect(points[0]!.lo95).toBe(50);
  });

  it('draws another KPI bucket by bucket, to the last bucket before the end', () => {
    const points = forecastUntil(forecast, at('12:30'));
    expect(points.map((p) => p.mean)).toEqual([10, 20, 30]);
    expect(points[0]!.hi95 - points[0]!.lo95).toBeCloseTo(10, 9);
  });
});
