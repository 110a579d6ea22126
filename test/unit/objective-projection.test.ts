import { describe, expect, it } from 'vitest';
import { QualityCounters } from '../../server/alerts/quality.js';
import { AlertService } from '../../server/alerts/rules.js';
import {
  chance,
  normalCdf,
  projectLast,
  projectSum,
  settled,
  startsAt,
} from '../../server/objectives/projection.js';
import { ObjectiveRisk, riskMessage, riskStep } from '../../server/objectives/risk.js';
import type { Evaluated } from '../../server/objectives/service.js';
import type { WorkspaceState } from '../../server/workspaces/service.js';
import { KPIS } from '../../shared/kpis.js';
import type { KpiForecast } from '../../shared/schemas/forecast.js';
import type { ObjectiveProgress, ObjectiveProjection } from '../../shared/schemas/objectives.js';

const HOUR = 3_600_000;
const T = Date.parse('2026-03-10T10:00:00Z');

const Z95 = 1.959963984540054;
/** Four hours from 10:00, each of mean `means[i]`, an 80 % band of ±2 and a 95 % band of ±2 × 1.96: σ = 2. */
const hourly = (means = [10, 10, 10, 10]): KpiForecast => ({
  kpi: 'mentions',
  brand: 'acme',
  grain: 'hour',
  model: 'seasonal-naive',
  fittedAt: new Date(T).toISOString(),
  history: 100,
  backtest: null,
  points: means.map((mean, i) => ({
    bucket: new Date(T + i * HOUR).toISOString(),
    mean,
    lo80: mean - 2,
    hi80: mean + 2,
    lo95: mean - 2 * Z95,
    hi95: mean + 2 * Z95,
  })),
});
const at = (hhmm: string) => Date.parse(`2026-03-10T${hhmm}:00Z`);
const atLeast = (target: number) => ({ target, direction: 'at_least' as const });
const atMost = (target: number) => ({ target, direction: 'at_most' as const });

describe('the chance of a target', () => {
  it('is the normal distribution’s tail', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.281552)).toBeCloseTo(0.1, 6);
    expect(normalCdf(-2)).toBeCloseTo(0.0227501, 6);
    expect(normalCdf(-8)).toBeLessThan(1e-14);
    expect(normalCdf(8)).toBeCloseTo(1, 14);
  });

  it('is certain, one way or the other, without spread', () => {
    expect(chance(100, 0, atLeast(100))).toBe(1);
    expect(chance(99, 0, atLeast(100))).toBe(0);
    expect(chance(99, 0, atMost(100))).toBe(1);
  });
});

describe('a counter’s projection', () => {
  // At 10:29 the KPI is read up to 10:30: half of the 10:00 hour is left, then 11:00 and 12:00.
  const left = { fromMs: at('10:30'), toMs: at('13:00') };

  it('adds the forecast of what is left, prorating the hour under way, to what was counted', () => {
    const p = projectSum(hourly(), left, 50, atLeast(75))!;
    // 50 + 10 × (0.5 + 1 + 1) = 75; σ = 2 × 2.5 = 5 (errors taken as moving together);
    // 80 %: 75 ± 1.28155 × 5.
    expect(p.projected).toBeCloseTo(75, 9);
    expect(p.lo80).toBeCloseTo(68.592242, 6);
    expect(p.hi80).toBeCloseTo(81.407758, 6);
    expect(p.grain).toBe('hour');
    expect(p.probability).toBeCloseTo(0.5, 6);
  });

  it('is nearly sure far below the projection and hopeless far above (the reverse for at most)', () => {
    const p = (target: number, direction: 'at_least' | 'at_most' = 'at_least') =>
      projectSum(hourly(), left, 50, { target, direction })!.probability;
    expect(p(85)).toBeCloseTo(0.0227501, 6); // two σ above
    expect(p(65)).toBeCloseTo(0.9772499, 6); // two σ below
    expect(p(1000)).toBeLessThan(1e-9);
    expect(p(0)).toBeGreaterThan(1 - 1e-9);
    expect(p(85, 'at_most')).toBeCloseTo(0.9772499, 6);
    expect(p(1000, 'at_most')).toBeGreaterThan(1 - 1e-9);
    expect(p(0, 'at_most')).toBeLessThan(1e-9);
  });

  it('stops at a period end inside a bucket, starts at a period start still ahead', () => {
    const p = projectSum(
      hourly([10, 20, 30, 40]),
      { fromMs: at('10:30'), toMs: at('12:30') },
      0,
      atLeast(0),
    )!;
    expect(p.projected).toBeCloseTo(5 + 20 + 15, 9);
    const ahead = projectSum(
      hourly([10, 20, 30, 40]),
      { fromMs: at('11:00'), toMs: at('13:00') },
      0,
      atLeast(0),
    )!;
    expect(ahead.projected).toBeCloseTo(50, 9);
  });

  it('is not made past the forecast’s reach, nor from before its first bucket', () => {
    expect(projectSum(hourly(), { fromMs: at('10:30'), toMs: at('14:30') }, 0, atLeast(1))).toBeUndefined();
    expect(projectSum(hourly(), { fromMs: at('09:30'), toMs: at('12:00') }, 0, atLeast(1))).toBeUndefined();
    expect(projectSum(hourly(), { fromMs: at('10:30'), toMs: at('14:00') }, 0, atLeast(1))).toBeDefined();
    expect(startsAt(hourly(), at('10:59'))).toBe(true);
    expect(startsAt(hourly(), at('11:00'))).toBe(false);
    expect(startsAt(hourly(), at('09:59'))).toBe(false);
  });
});

describe('a level’s projection', () => {
  it('is the forecast of the last bucket before the period end', () => {
    const p = projectLast(hourly([10, 20, 30, 40]), at('12:30'), atLeast(30))!;
    expect(p).toMatchObject({ projected: 30, grain: 'hour' });
    expect([p.lo80, p.hi80]).toEqual([expect.closeTo(27.436897, 6), expect.closeTo(32.563103, 6)]);
    expect(p.probability).toBeCloseTo(0.5, 6);
    expect(projectLast(hourly([10, 20, 30, 40]), at('12:30'), atLeast(34))!.probability).toBeCloseTo(
      0.0227501,
      6,
    );
    expect(projectLast(hourly(), at('14:01'), atLeast(1))).toBeUndefined();
  });

  it('has an 80 % range that agrees with its chance, however lopsided the forecast’s bands', () => {
    const lopsided = hourly([10]);
    lopsided.points[0] = { ...lopsided.points[0]!, lo80: 9, hi80: 11, lo95: 5, hi95: 30 };
    const p = projectLast(lopsided, at('10:30'), atLeast(0))!;
    // σ = 25 / 3.92 = 6.378: the range is 10 ± 8.174, and its top has a 10 % chance.
    expect(p.hi80).toBeCloseTo(10 + (1.2815515655446004 * 25) / (2 * Z95), 9);
    expect(projectLast(lopsided, at('10:30'), atLeast(p.hi80))!.probability).toBeCloseTo(0.1, 6);
    expect(projectLast(lopsided, at('10:30'), atLeast(p.lo80))!.probability).toBeCloseTo(0.9, 6);
  });

  it('is settled once the period is over: 1 met, 0 missed', () => {
    expect(settled(120, atLeast(100))).toEqual({
      probability: 1,
      projected: 120,
      lo80: 120,
      hi80: 120,
      grain: null,
      reason: 'ended',
    });
    expect(settled(120, atMost(100)).probability).toBe(0);
  });
});

const mentions = KPIS.find((k) => k.id === 'mentions')!;
const workspace = {
  key: 1,
  id: 'w',
  name: 'w',
  timezone: 'Europe/Paris',
  brands: [{ id: 'acme', name: 'Acme', own: true }],
  droppedBrands: [],
} as unknown as WorkspaceState;
const march = { fromMs: Date.parse('2026-02-28T23:00:00Z'), toMs: Date.parse('2026-03-31T22:00:00Z') };
const april = { fromMs: Date.parse('2026-03-31T22:00:00Z'), toMs: Date.parse('2026-04-30T22:00:00Z') };

function row(probability: number | null, over: Partial<ObjectiveProgress> = {}): ObjectiveProgress {
  const projection: ObjectiveProjection | null =
    probability === null ? null : { probability, projected: 9000, lo80: 8000, hi80: 10_000, grain: 'day' };
  return {
    id: 'q1',
    kpi: 'mentions',
    brand: 'acme',
    period: { calendar: 'month' },
    target: 12_000,
    direction: 'at_least',
    riskThreshold: 0.5,
    window: { from: '2026-02-28T23:00:00.000Z', to: '2026-03-10T10:00:00.000Z' },
    current: 3000,
    percentOfTarget: 0.25,
    expected: 3600,
    status: 'off_track',
    elapsed: 0.3,
    timeLeftMs: 1,
    projection,
    ...over,
  };
}

describe('the objective-at-risk alert', () => {
  it('says the chance, the target and the last day of the period in English and French', () => {
    expect(riskMessage(row(0.32), mentions, workspace, march)).toEqual({
      en: 'The Mentions objective for Acme is at risk: 32% chance to reach 12,000 by Mar 31, 2026.',
      // French typography: narrow no-break spaces inside « », before : and %, between thousands.
      fr: 'L’objectif «\u202fMentions\u202f» pour Acme est menacé\u202f: 32\u202f% de chances d’atteindre 12\u202f000 d’ici le 31 mars 2026.',
    });
    expect(riskMessage(row(0.1, { direction: 'at_most' }), mentions, workspace, march).en).toContain(
      '10% chance to stay at or below 12,000',
    );
  });

  it('is raised below the threshold, kept, updated as the chance moves, resolved above it', () => {
    const open = { probability: 0.32, severity: 'warning' } as Parameters<typeof riskStep>[1];
    expect(riskStep(row(0.6), undefined)).toBe('keep');
    expect(riskStep(row(0.32), undefined)).toBe('raise');
    expect(riskStep(row(0.321), open)).toBe('keep');
    expect(riskStep(row(0.3), open)).toBe('update');
    expect(riskStep(row(0.2), open)).toBe('update'); // critical now: below half the threshold
    expect(riskStep(row(0.5), open)).toBe('resolve');
    expect(riskStep(row(null), open)).toBe('keep');
    expect(riskStep(row(0.8, { riskThreshold: 0.9 }), undefined)).toBe('raise');
    // Over: a missed objective is not "at risk"; a met one resolves.
    const ended = (p: number): ObjectiveProgress => ({
      ...row(p),
      projection: settled(p === 1 ? 12_000 : 0, atLeast(12_000)),
    });
    expect(riskStep(ended(0), undefined)).toBe('keep');
    expect(riskStep(ended(0), open)).toBe('keep');
    expect(riskStep(ended(1), open)).toBe('resolve');
  });

  it('once per period, severity by the chance, resolved when the objective goes', async () => {
    const alerts = new AlertService(new QualityCounters());
    let evaluated: Evaluated[] = [];
    let clock = Date.parse('2026-03-10T10:00:00Z');
    const risk = new ObjectiveRisk(
      alerts,
      { evaluate: async () => evaluated },
      { list: () => [{ id: 'w' }] as never, get: () => workspace },
      { error: () => {} } as never,
      () => clock,
    );
    const open = () =>
      alerts.filter('w', { kinds: ['objective_at_risk'] }).filter((a) => a.resolvedAt === undefined);

    evaluated = [{ row: row(0.32), kpi: mentions, period: march }];
    await risk.check();
    await risk.check();
    expect(open()).toHaveLength(1);
    expect(open()[0]).toMatchObject({
      objective: 'q1',
      kpi: 'mentions',
      brand: 'acme',
      probability: 0.32,
      severity: 'warning',
    });
    const first = open()[0]!.id;

    evaluated = [{ row: row(0.2), kpi: mentions, period: march }];
    await risk.check();
    expect(open().map((a) => [a.id, a.severity, a.probability])).toEqual([[first, 'critical', 0.2]]);

    // April: March's alert is over, April starts afresh.
    clock = Date.parse('2026-04-01T08:00:00Z');
    evaluated = [{ row: row(0.6), kpi: mentions, period: april }];
    await risk.check();
    expect(open()).toEqual([]);
    expect(alerts.list('w').find((a) => a.id === first)!.resolvedAt).toBe('2026-04-01T08:00:00.000Z');
    evaluated = [{ row: row(0.4), kpi: mentions, period: april }];
    await risk.check();
    expect(open()).toHaveLength(1);
    expect(open()[0]!.id).not.toBe(first);

    risk.deleted('w', 'q1');
    expect(open()).toEqual([]);
    // An objective no longer listed (its KPI deleted …) resolves too.
    evaluated = [{ row: row(0.1, { id: 'q2' }), kpi: mentions, period: april }];
    await risk.check();
    expect(open().map((a) => a.objective)).toEqual(['q2']);
    evaluated = [];
    await risk.check();
    expect(open()).toEqual([]);
    expect(alerts.list('w')).toHaveLength(3);
  });
});
