import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../shared/random.js';
import { mase, owa, smape } from '../../server/forecast/accuracy.js';
import { isSeasonal, naive2, seasonalNaive, theta } from '../../server/forecast/baselines.js';
import { forecast } from '../../server/forecast/model.js';
import { ForecastPool } from '../../server/forecast/pool.js';
import { NICE_WORKERS, WORKER_NICE } from '../../server/thread-priority.js';

/** Normal noise from a seeded uniform source (Box–Muller). */
const normal = (random: () => number) => () =>
  Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

/** 100 + a daily wave of amplitude 20 + N(0, sd²), hourly. */
function seasonalSeries(length: number, sd: number, seed: number): number[] {
  const noise = normal(mulberry32(seed));
  return Array.from({ length }, (_, t) => 100 + 20 * Math.sin((2 * Math.PI * t) / 24) + sd * noise());
}

describe('the M4 benchmarks, by hand', () => {
  it('seasonal naive repeats the last season', () => {
    expect(seasonalNaive([1, 2, 3, 4, 5, 6], 3, 4)).toEqual([4, 5, 6, 4]);
  });

  it('Theta on a straight line: the last value plus half the slope per step (SES weight 1)', () => {
    const line = Array.from({ length: 10 }, (_, t) => t);
    expect(theta(line, 1, 3)).toEqual([9.5, 10, 10.5]);
  });

  it('Naive2 repeats the last value of a series without seasonality', () => {
    expect(naive2([3, 1, 4, 1, 5], 1, 3)).toEqual([5, 5, 5]);
  });

  it('finds a daily season in a daily wave, and none in noise', () => {
    expect(isSeasonal(seasonalSeries(24 * 10, 2, 1), 24)).toBe(true);
    const noise = normal(mulberry32(2));
    expect(
      isSeasonal(
        Array.from({ length: 240 }, () => 50 + noise()),
        24,
      ),
    ).toBe(false);
  });

  it('sMAPE, MASE and OWA as the M4 competition defines them', () => {
    expect(smape([100], [110])).toBeCloseTo(9.5238, 4);
    expect(smape([0], [0])).toBe(0);
    expect(mase([1, 2, 3, 4], [5], [4], 1)).toBe(1);
    expect(owa(10, 1, 20, 2)).toBe(0.5);
  });
});

describe('the product forecaster', () => {
  const pool = new ForecastPool(2);
  afterAll(() => pool.close());

  it('gives exactly `horizon` ordered points, lo95 ≤ lo80 ≤ mean ≤ hi80 ≤ hi95', () => {
    const f = forecast(seasonalSeries(24 * 16, 3, 3), { periods: [24, 168], horizon: 24 });
    expect(f.mean).toHaveLength(24);
    for (let h = 0; h < 24; h++) {
      expect(f.lo95[h]!).toBeLessThanOrEqual(f.lo80[h]!);
      expect(f.lo80[h]!).toBeLessThanOrEqual(f.mean[h]!);
      expect(f.mean[h]!).toBeLessThanOrEqual(f.hi80[h]!);
      expect(f.hi80[h]!).toBeLessThanOrEqual(f.hi95[h]!);
    }
    // 168 needs two weeks: with 16 days it is used, and the backtest ran.
    expect(f.backtest).not.toBeNull();
  });

  it('judges a long horizon over its first steps: four days of hours get a backtest, and bands widen past it', () => {
    const y = seasonalSeries(24 * 4, 3, 5);
    const f = forecast(y, { periods: [24, 168], horizon: 192, backtestHorizon: 24 });
    expect(f.mean).toHaveLength(192);
    expect(f.backtest).not.toBeNull();
    const width = (h: number) => f.hi95[h]! / Math.max(1e-9, f.mean[h]!);
    // The same phase of the day, a week on: a wider band.
    expect(width(23 + 168)).toBeGreaterThan(width(23));
  });

  it('falls back for a series too short for its seasons, and says which model it used', () => {
    const f = forecast([5, 6, 7, 8, 9, 10], { periods: [24], horizon: 3 });
    expect(['theta', 'naive2']).toContain(f.model);
    expect(f.mean).toHaveLength(3);
  });

  it('covers about 95 % (and 80 %) of outcomes of a process with known noise', async () => {
    let in95 = 0;
    let in80 = 0;
    let points = 0;
    const runs = Array.from({ length: 24 }, async (_, i) => {
      const y = seasonalSeries(24 * 21 + 24, 5, 100 + i);
      const train = y.slice(0, -24);
      const f = await pool.forecast(train, { periods: [24], horizon: 24 });
      y.slice(-24).forEach((actual, h) => {
        points++;
        if (actual >= f.lo95[h]! && actual <= f.hi95[h]!) in95++;
        if (actual >= f.lo80[h]! && actual <= f.hi80[h]!) in80++;
      });
    });
    await Promise.all(runs);
    expect(in95 / points).toBeGreaterThan(0.9);
    expect(in95 / points).toBeLessThan(0.995);
    expect(in80 / points).toBeGreaterThan(0.7);
    expect(in80 / points).toBeLessThan(0.9);
  });

  it('the pool survives a fit that fails: that one is refused with why, the next is computed', async () => {
    await expect(pool.forecast([1, Number.NaN, 3, 4], { periods: [], horizon: 2 })).rejects.toThrow(
      /Value 1 of the series is NaN/,
    );
    await expect(pool.forecast([1, 2], { periods: [], horizon: 2 })).rejects.toThrow(/at least 3 values/);
    const f = await pool.forecast([1, 2, 3, 4, 5], { periods: [], horizon: 2 });
    expect(f.mean).toHaveLength(2);
  });

  // Fits yield the CPU to the event loop and DuckDB (the wall's freshness while a refit runs).
  it.runIf(NICE_WORKERS)('fits run on threads of lower priority than the event loop', async () => {
    await pool.forecast([1, 2, 3, 4, 5], { periods: [], horizon: 2 });
    // Field 19 of /proc/…/stat is the thread's nice value (after the command name in parentheses).
    const nice = (stat: string) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    const threads = readdirSync('/proc/self/task').map((tid) =>
      nice(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')),
    );
    expect(nice(readFileSync('/proc/thread-self/stat', 'utf8'))).toBe(0);
    expect(threads).toContain(WORKER_NICE);
  });
});
