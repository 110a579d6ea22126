import { describe, expect, it } from 'vitest';
import { KPIS_BY_ID } from '../../shared/kpis.js';
import type { AlertRule } from '../../shared/schemas/alert-rules.js';
import {
  conditionHolds,
  coolingUntil,
  decide,
  type RuleAction,
  type RuleTrack,
} from '../../server/alerts/rule-decision.js';
import { ruleMessage } from '../../server/alerts/rule-messages.js';

const MINUTE = 60_000;
const T0 = Date.parse('2026-03-10T10:00:00Z');

/** A rule's track through readings one minute apart (a fake clock), and what each one did. */
function run(
  holds: (boolean | null)[],
  timing = { pendingMs: 0, cooldownMs: 60 * MINUTE },
  start: RuleTrack = {},
): { actions: RuleAction[]; track: RuleTrack } {
  let track = start;
  const actions: RuleAction[] = [];
  holds.forEach((h, i) => {
    const step = decide(track, h, T0 + i * MINUTE, timing);
    // The service records the alert it raised on the track.
    track = step.action === 'raise' ? { ...step.track, alertId: `a${i}` } : step.track;
    actions.push(step.action);
  });
  return { actions, track };
}

describe('a rule for one brand, minute by minute', () => {
  it('fires at once without a pending period, once, and resolves when the condition stops holding', () => {
    const { actions, track } = run([false, true, true, true, false, false]);
    expect(actions).toEqual(['none', 'raise', 'none', 'none', 'resolve', 'none']);
    expect(track).toEqual({ lastRaisedAt: T0 + MINUTE });
  });

  it('waits for the condition to hold for the whole pending period, without a break', () => {
    const timing = { pendingMs: 3 * MINUTE, cooldownMs: 0 };
    // Holds at 0, 1, 2 (3 minutes not yet over), breaks at 3, holds again from 4: fires at 7.
    const { actions } = run([true, true, true, false, true, true, true, true], timing);
    expect(actions).toEqual(['none', 'none', 'none', 'none', 'none', 'none', 'none', 'raise']);
  });

  it('raises no second alert within the cooldown, and one as soon as it is over', () => {
    const timing = { pendingMs: 0, cooldownMs: 5 * MINUTE };
    // Raised at 0, resolved at 1, holds again from 2: quiet until 5 minutes after the raise.
    const { actions, track } = run([true, false, true, true, true, true, true], timing);
    expect(actions).toEqual(['raise', 'resolve', 'none', 'none', 'none', 'raise', 'none']);
    expect(track.alertId).toBe('a5');
    expect(coolingUntil(track, timing, T0 + 6 * MINUTE)).toBe(T0 + 10 * MINUTE);
    expect(coolingUntil(track, timing, T0 + 10 * MINUTE)).toBeUndefined();
  });

  it('a reading without a value neither fires, resolves nor breaks the pending period', () => {
    const timing = { pendingMs: 2 * MINUTE, cooldownMs: 0 };
    expect(run([true, null, true, null, false], timing).actions).toEqual([
      'none',
      'none',
      'raise',
      'none',
      'resolve',
    ]);
    expect(run([null, null], timing).track).toEqual({});
  });

  it('a firing alert taken back after a restart resolves like any other', () => {
    const start: RuleTrack = { alertId: 'old', lastRaisedAt: T0 - MINUTE, holdingSince: T0 - MINUTE };
    expect(run([true, false], undefined, start).actions).toEqual(['none', 'resolve']);
  });
});

describe('conditions', () => {
  const reading = (value: number | null, deltaPct: number | null = null) => ({ value, deltaPct });

  it('above and below are strict; no value is not judged', () => {
    expect(conditionHolds({ type: 'above', value: 100 }, reading(100))).toBe(false);
    expect(conditionHolds({ type: 'above', value: 100 }, reading(100.5))).toBe(true);
    expect(conditionHolds({ type: 'below', value: 0.2 }, reading(0.182))).toBe(true);
    expect(conditionHolds({ type: 'below', value: 0.2 }, reading(null))).toBeNull();
  });

  it('a change of -20 holds for a fall of 20 % or more, 30 for a rise of 30 % or more', () => {
    const fall = { type: 'change', percent: -20 } as const;
    expect(conditionHolds(fall, reading(80, (80 - 100) / 100))).toBe(true);
    expect(conditionHolds(fall, reading(81, -0.19))).toBe(false);
    expect(conditionHolds(fall, reading(150, 0.5))).toBe(false);
    const rise = { type: 'change', percent: 30 } as const;
    // 0.7 → 0.91 is +30 % though floats make it 0.30000000000000004 or 0.29999999999999993.
    expect(conditionHolds(rise, reading(0.91, (0.91 - 0.7) / 0.7))).toBe(true);
    expect(conditionHolds(rise, reading(120, 0.2))).toBe(false);
    expect(conditionHolds(rise, reading(5, null))).toBeNull();
  });
});

describe('the words of a rule alert', () => {
  // Intl separates French digits and "%" with a no-break space, narrow or not by ICU version.
  const spaced = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');
  const rule = (over: Partial<AlertRule>): AlertRule => ({
    id: 'sov-floor',
    name: 'SoV floor',
    kpi: 'share_of_voice',
    brands: 'own',
    condition: { type: 'below', value: 0.2 },
    window: '24h',
    pendingMinutes: 0,
    cooldownMinutes: 60,
    severity: 'warning',
    updatedAt: '2026-03-10T10:00:00.000Z',
    ...over,
  });

  it('say the KPI, the brand, the value in its unit, the window, the threshold and the rule', () => {
    const message = ruleMessage({
      rule: rule({}),
      kpi: KPIS_BY_ID.get('share_of_voice')!,
      brandName: 'Belvia',
      value: 0.182,
      previous: 0.25,
      deltaPct: -0.272,
    });
    expect(message.en).toBe(
      'Share of voice of Belvia: 18.2% over the last 24 h, below 20.0% (rule “SoV floor”).',
    );
    expect(spaced(message.fr)).toBe(
      'Part de voix de Belvia : 18,2 % sur les dernières 24 h, sous 20,0 % (règle « SoV floor »).',
    );
  });

  it('say how much a change was, against what, and the rule’s limit', () => {
    const message = ruleMessage({
      rule: rule({ name: 'Buzz drop', kpi: 'mentions', condition: { type: 'change', percent: -20 } }),
      kpi: KPIS_BY_ID.get('mentions')!,
      brandName: 'Belvia',
      value: 900,
      previous: 1200,
      deltaPct: -0.25,
    });
    expect(message.en).toBe(
      'Mentions of Belvia fell 25.0% over the last 24 h vs the 24 h before (1,200 → 900), a fall of at least 20.0% (rule “Buzz drop”).',
    );
    expect(spaced(message.fr)).toBe(
      'Mentions de Belvia : -25,0 % sur les dernières 24 h par rapport aux 24 h précédentes (1 200 → 900), une baisse d’au moins 20,0 % (règle « Buzz drop »).',
    );
  });
});
