import type { AlertRuleCondition } from '../../shared/schemas/alert-rules.js';

// What a rule does for one brand at one evaluation, apart from any I/O: the clock comes in as
// `nowMs`, so that pending periods and cooldowns are tested with a fake one.

/** One brand of one rule, between evaluations. */
export interface RuleTrack {
  /** Since when the condition has held, without a break; undefined while it does not. */
  holdingSince?: number;
  /** The open alert of this rule and brand. */
  alertId?: string;
  /** When the last alert was raised (the cooldown runs from it). */
  lastRaisedAt?: number;
}

export interface RuleTiming {
  pendingMs: number;
  cooldownMs: number;
}

export type RuleAction = 'raise' | 'resolve' | 'none';

/** The KPI as one evaluation read it for a brand. */
export interface RuleReading {
  value: number | null;
  /** The change vs the previous period, a fraction; null without a previous value (or a 0 one). */
  deltaPct: number | null;
}

/** Whether the condition holds; null when it cannot be judged (no value to compare). */
export function conditionHolds(condition: AlertRuleCondition, reading: RuleReading): boolean | null {
  switch (condition.type) {
    case 'above':
      return reading.value === null ? null : reading.value > condition.value;
    case 'below':
      return reading.value === null ? null : reading.value < condition.value;
    case 'change': {
      if (reading.deltaPct === null) return null;
      const limit = condition.percent / 100;
      // Compared in percent rounded to 1e-9: 100 → 80 is -20 % exactly, whatever float says.
      const change = Math.round(reading.deltaPct * 1e11) / 1e11;
      return limit < 0 ? change <= limit : change >= limit;
    }
  }
}

/** When the cooldown of the last alert ends, if it has not yet. */
export function coolingUntil(track: RuleTrack, timing: RuleTiming, nowMs: number): number | undefined {
  if (track.lastRaisedAt === undefined) return undefined;
  const until = track.lastRaisedAt + timing.cooldownMs;
  return until > nowMs ? until : undefined;
}

/**
 * The next track and what to do: raise once the condition has held for the pending period and
 * the cooldown is over; resolve the open alert as soon as it no longer holds. A condition that
 * cannot be judged changes nothing (it neither fires nor resolves a rule).
 */
export function decide(
  track: RuleTrack,
  holds: boolean | null,
  nowMs: number,
  timing: RuleTiming,
): { track: RuleTrack; action: RuleAction } {
  if (holds === null) return { track, action: 'none' };
  if (!holds) {
    const next: RuleTrack = { lastRaisedAt: track.lastRaisedAt };
    return { track: next, action: track.alertId === undefined ? 'none' : 'resolve' };
  }
  const holdingSince = track.holdingSince ?? nowMs;
  const next: RuleTrack = { ...track, holdingSince };
  if (track.alertId !== undefined) return { track: next, action: 'none' };
  if (nowMs - holdingSince < timing.pendingMs) return { track: next, action: 'none' };
  if (coolingUntil(track, timing, nowMs) !== undefined) return { track: next, action: 'none' };
  return { track: { ...next, lastRaisedAt: nowMs }, action: 'raise' };
}
