import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../shared/random.js';
import { bandAt, judge, normalQuantile, type Judgement } from '../../server/anomalies/band.js';
import { decide, runsOf, type OpenAnomaly } from '../../server/anomalies/runs.js';
import { forecast } from '../../server/forecast/model.js';
import { OUTLIER_LIMIT, tameOutliers } from '../../server/forecast/outliers.js';

const HOUR = 3_600_000;
const point = { bucket: '', mean: 100, lo80: 90, hi80: 112, lo95: 80, hi95: 125 };

/** Judged hours from a pattern: '.' inside, 'u' above, 'd' below, ' ' not judged. */
const hours = (pattern: string, start = 0): Judgement[] =>
  [...pattern].flatMap((c, i) =>
    c === ' '
      ? []
      : [judge(start + i * HOUR, c === 'u' ? 200 : c === 'd' ? 10 : 100, { expected: 100, lo: 80, hi: 125 })],
  );

describe('the band an hour is judged against', () => {
  it('is the forecast’s own 80 % or 95 % band, or scaled from the 95 % one by normal quantiles', () => {
    expect(bandAt(point, 0.95, 'percent')).toEqual({ expected: 100, lo: 80, hi: 125 });
    expect(bandAt(point, 0.8, 'percent')).toEqual({ expected: 100, lo: 90, hi: 112 });
    const wide = bandAt(point, 0.99, 'percent');
    // z(0.995) / z(0.975) = 2.5758 / 1.9600 = 1.3142
    expect(wide.hi).toBeCloseTo(100 + 25 * 1.3142, 2);
    expect(wide.lo).toBeCloseTo(100 - 20 * 1.3142, 2);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
  });

  it('never calls one event more or less than expected an anomaly', () => {
    const quiet = { bucket: '', mean: 0.4, lo80: 0.2, hi80: 0.6, lo95: 0.1, hi95: 0.9 };
    expect(bandAt(quiet, 0.95, 'count')).toEqual({ expected: 0.4, lo: -0.6, hi: 1.4 });
    expect(judge(0, 1, bandAt(quiet, 0.95, 'count')).direction).toBeNull();
    expect(judge(0, 2, bandAt(quiet, 0.95, 'count')).direction).toBe('up');
  });

  it('never calls a share within half a point of expected an anomaly, however steady it was', () => {
    const flat = { bucket: '', mean: 0.332, lo80: 0.3315, hi80: 0.3325, lo95: 0.331, hi95: 0.333 };
    const band = bandAt(flat, 0.95, 'percent');
    expect(judge(0, 0.335, band).direction).toBeNull();
    expect(judge(0, 0.34, band).direction).toBe('up');
    expect(judge(0, 0.32, band).direction).toBe('down');
  });

  it('never calls a level within half a percent of expected an anomaly, however smooth it was', () => {
    // Followers: a running total fitted to within ±40 of 368,404.
    const smooth = { bucket: '', mean: 368_404, lo80: 368_380, hi80: 368_428, lo95: 368_364, hi95: 368_444 };
    const band = bandAt(smooth, 0.95, 'people');
    expect(judge(0, 368_267, band).direction).toBeNull();
    expect(judge(0, 365_000, band).direction).toBe('down');
    expect(judge(0, 371_000, band).direction).toBe('up');
  });

  it('scores the distance past the edge in half-widths of the band', () => {
    expect(judge(0, 150, { expected: 100, lo: 80, hi: 125 })).toMatchObject({ direction: 'up', score: 1 });
    expect(judge(0, 70, { expected: 100, lo: 80, hi: 125 })).toMatchObject({ direction: 'down', score: 0.5 });
    expect(judge(0, 125, { expected: 100, lo: 80, hi: 125 })).toMatchObject({ direction: null, score: 0 });
  });
});

describe('runs of hours outside the band, and what they raise', () => {
  const rules = { pending: 1, cooldownMs: 6 * HOUR };

  it('a run is consecutive hours on one side; a gap or a change of side ends it', () => {
    const runs = runsOf(hours('..uu.d  dd.u'), 1, HOUR);
    expect(runs.map((r) => [r.buckets[0]!.bucketMs / HOUR, r.buckets.length])).toEqual([
      [2, 2],
      [5, 1],
      [8, 2],
      [11, 1],
    ]);
    expect(runs[0]!.back!.bucketMs).toBe(4 * HOUR);
    expect(runs[3]!.back).toBeUndefined();
  });

  it('the pending period holds an alert back until that many hours in a row are outside', () => {
    expect(decide(hours('..u.u.'), [], { ...rules, pending: 2 }, HOUR)).toEqual([]);
    const [action] = decide(hours('..uu'), [], { ...rules, pending: 2 }, HOUR);
    expect(action).toMatchObject({ kind: 'raise' });
    expect(action!.kind === 'raise' && action!.run.fired.bucketMs).toBe(3 * HOUR);
  });

  it('raises once per run, extends it while it lasts and resolves when an hour is back inside', () => {
    const open: OpenAnomaly = {
      id: 'a',
      firedMs: 2 * HOUR,
      fromMs: 2 * HOUR,
      toMs: 2 * HOUR,
      resolved: false,
    };
    expect(decide(hours('..u'), [open], rules, HOUR)).toEqual([]);
    expect(decide(hours('..uu'), [open], rules, HOUR)).toMatchObject([{ kind: 'update', id: 'a' }]);
    const extended = { ...open, toMs: 3 * HOUR };
    expect(decide(hours('..uu.'), [extended], rules, HOUR)).toEqual([
      { kind: 'resolve', id: 'a', atMs: 5 * HOUR },
    ]);
  });

  it('the cooldown keeps a new run quiet for a while after an alert of the same series', () => {
    const done: OpenAnomaly = {
      id: 'a',
      firedMs: 2 * HOUR,
      fromMs: 2 * HOUR,
      toMs: 2 * HOUR,
      resolved: true,
    };
    expect(decide(hours('..u..u'), [done], rules, HOUR)).toEqual([]);
    expect(decide(hours('..u.....u'), [done], rules, HOUR)).toMatchObject([{ kind: 'raise' }]);
  });

  it('late rows: a run already over is raised resolved; one that re-judging took away resolves', () => {
    expect(decide(hours('.u..'), [], rules, HOUR)).toMatchObject([{ kind: 'raise', resolvedAtMs: 3 * HOUR }]);
    const gone: OpenAnomaly = { id: 'a', firedMs: 1 * HOUR, fromMs: HOUR, toMs: HOUR, resolved: false };
    expect(decide(hours('....'), [gone], rules, HOUR)).toEqual([
      { kind: 'resolve', id: 'a', atMs: 2 * HOUR },
    ]);
  });
});

describe('outliers in a history', () => {
  const daily = (days: number) =>
    Array.from({ length: days * 24 }, (_, t) => Math.round(50 + 20 * Math.sin((2 * Math.PI * t) / 24)));

  it('a bad buzz in the history is pulled back near its hour’s level, the rest is untouched', () => {
    const y = daily(10);
    y[100] = y[100]! * 40;
    const tamed = tameOutliers(y, 24);
    expect(tamed[100]).toBeLessThan(y[100]! / 10);
    expect(tamed.filter((v, i) => v !== y[i]).length).toBe(1);
  });

  it('a level shift that lasts is learned: its last cycles are kept as they are', () => {
    const y = daily(12).map((v, t) => (t >= 8 * 24 ? 3 * v : v));
    const tamed = tameOutliers(y, 24);
    expect(tamed.slice(10 * 24)).toEqual(y.slice(10 * 24));
  });
});

describe('injected anomalies', () => {
  it('a spike, a dip and a level shift are each caught at their own hour, and nothing else that day', () => {
    const random = mulberry32(5);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const clean = (t: number) => {
      const level = 200 * (1 + 0.5 * Math.sin((2 * Math.PI * t) / 24));
      return Math.max(0, Math.round(level + Math.sqrt(level) * normal()));
    };
    const history = Array.from({ length: 28 * 24 }, (_, t) => clean(t));
    const day = Array.from({ length: 24 }, (_, h) => clean(28 * 24 + h));
    day[6] = day[6]! * 3; // a spike
    day[12] = Math.round(day[12]! * 0.3); // a dip
    for (let h = 18; h < 24; h++) day[h] = day[h]! * 2; // a level shift that lasts
    const f = forecast(history, { periods: [24, 168], horizon: 24, outlierLimit: OUTLIER_LIMIT });
    const judged = day.map((v, h) =>
      judge(
        h * HOUR,
        v,
        bandAt(
          {
            bucket: '',
            mean: f.mean[h]!,
            lo80: f.lo80[h]!,
            hi80: f.hi80[h]!,
            lo95: f.lo95[h]!,
            hi95: f.hi95[h]!,
          },
          0.95,
          'count',
        ),
      ),
    );
    const runs = runsOf(judged, 1, HOUR).map((r) => [
      r.buckets[0]!.bucketMs / HOUR,
      r.buckets.length,
      r.buckets[0]!.direction,
    ]);
    expect(runs).toEqual([
      [6, 1, 'up'],
      [12, 1, 'down'],
      [18, 6, 'up'],
    ]);
    // One alert each; the shift's stays open until the hours come back (or the refits learn it).
    expect(
      decide(judged, [], { pending: 1, cooldownMs: 0 }, HOUR).map(
        (a) => a.kind === 'raise' && a.resolvedAtMs,
      ),
    ).toEqual([8 * HOUR, 14 * HOUR, undefined]); // each resolves at the end of the hour back inside
  }, 30_000);
});

describe('false alarms on a clean series', () => {
  /**
   * Mentions with a daily and weekly rhythm and Poisson-like noise, 56 days; detection as live
   * runs it: refitted every 24 hours on the 28 days before, each hour judged at the 95 % band.
   */
  it('flag at most 7 % of the hours of a clean series at the default level (95 %), as the band promises', () => {
    const random = mulberry32(11);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const y = Array.from({ length: 56 * 24 }, (_, t) => {
      const level = 80 * (1 + 0.5 * Math.sin((2 * Math.PI * t) / 24)) * (t % 168 < 120 ? 1 : 0.7);
      return Math.max(0, Math.round(level + Math.sqrt(level) * normal()));
    });
    let flagged = 0;
    let judged = 0;
    for (let day = 28; day < 56; day++) {
      const history = y.slice((day - 28) * 24, day * 24);
      const f = forecast(history, { periods: [24, 168], horizon: 24, outlierLimit: OUTLIER_LIMIT });
      for (let h = 0; h < 24; h++) {
        const p = {
          bucket: '',
          mean: f.mean[h]!,
          lo80: f.lo80[h]!,
          hi80: f.hi80[h]!,
          lo95: f.lo95[h]!,
          hi95: f.hi95[h]!,
        };
        judged++;
        if (judge(0, y[day * 24 + h]!, bandAt(p, 0.95, 'count')).direction !== null) flagged++;
      }
    }
    expect(judged).toBe(28 * 24);
    expect(flagged / judged).toBeLessThanOrEqual(0.07);
  }, 60_000);
});
