import { accumulates, type KpiDefinition } from '../../shared/kpis.js';
import type { Objective, ObjectiveProgress } from '../../shared/schemas/objectives.js';
import { floorTo, MINUTE, nextMinute, type Window, type ZoneOffsets } from '../../shared/time.js';

type Status = ObjectiveProgress['status'];

/** The objective's period as instants: explicit bounds floored to the minute, or the current calendar period. */
export function objectivePeriod(objective: Objective, zone: ZoneOffsets, nowMs: number): Window {
  const period = objective.period;
  if ('from' in period) {
    return {
      fromMs: floorTo(Date.parse(period.from), MINUTE),
      toMs: floorTo(Date.parse(period.to), MINUTE),
    };
  }
  const local = new Date(zone.toLocal(nowMs));
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  const [start, end] =
    period.calendar === 'month'
      ? [Date.UTC(y, m, 1), Date.UTC(y, m + 1, 1)]
      : period.calendar === 'quarter'
        ? [Date.UTC(y, m - (m % 3), 1), Date.UTC(y, m - (m % 3) + 3, 1)]
        : [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1)];
  return { fromMs: zone.toInstant(start), toMs: zone.toInstant(end) };
}

/**
 * The window whose value is the KPI "as of the start": a level's value just before it, or for
 * ratios, shares and the DPI the period of the same length just before it.
 */
export function baselineWindow(kpi: KpiDefinition, period: Window): Window {
  if (kpi.formula.kind === 'level') return { fromMs: period.fromMs - MINUTE, toMs: period.fromMs };
  const length = Math.max(MINUTE, period.toMs - period.fromMs);
  return { fromMs: period.fromMs - length, toMs: period.fromMs };
}

/**
 * on_track: at or beyond where the linear path stands now; at_risk: short of it by at most 10 %
 * of that value; off_track: further behind; no_data: no value yet.
 */
export function objectiveStatus(
  current: number | null,
  reference: number,
  direction: Objective['direction'],
): Status {
  if (current === null) return 'no_data';
  const slack = 0.1 * Math.abs(reference);
  if (direction === 'at_least')
    return current >= reference ? 'on_track' : current >= reference - slack ? 'at_risk' : 'off_track';
  return current <= reference ? 'on_track' : current <= reference + slack ? 'at_risk' : 'off_track';
}

/** The part of the period gone by `nowMs` (including the current minute), where its value is read. */
export function elapsedWindow(period: Window, nowMs: number): Window {
  return { fromMs: period.fromMs, toMs: Math.min(Math.max(nextMinute(nowMs), period.fromMs), period.toMs) };
}

export function progress(options: {
  objective: Objective;
  kpi: KpiDefinition;
  period: Window;
  nowMs: number;
  current: number | null;
  baseline: number | null;
}): ObjectiveProgress {
  const { objective, kpi, period, nowMs, baseline } = options;
  const end = elapsedWindow(period, nowMs).toMs;
  const elapsed = period.toMs > period.fromMs ? (end - period.fromMs) / (period.toMs - period.fromMs) : 1;
  // Nothing counted yet is 0 for an accumulating KPI, not "no data".
  const current = options.current ?? (accumulates(kpi) ? 0 : null);
  const start = accumulates(kpi) ? 0 : baseline;
  const expected = start === null ? null : start + (objective.target - start) * elapsed;
  return {
    ...objective,
    window: { from: new Date(period.fromMs).toISOString(), to: new Date(end).toISOString() },
    current,
    percentOfTarget: current === null || objective.target === 0 ? null : current / objective.target,
    expected,
    status: objectiveStatus(current, expected ?? objective.target, objective.direction),
    elapsed,
    timeLeftMs: Math.max(0, period.toMs - nowMs),
    // The forecast's part, added by the service.
    projection: null,
  };
}
