import type { Judgement } from './band.js';

/** A series' anomaly alert as the decision sees it: the run of buckets it is about. */
export interface OpenAnomaly {
  id: string;
  /** The bucket that made it fire, and the run's first and last buckets. */
  firedMs: number;
  fromMs: number;
  toMs: number;
  resolved: boolean;
}

/** Consecutive judged buckets outside the band on the same side. */
export interface Run {
  buckets: Judgement[];
  /** The bucket at which the pending period is met. */
  fired: Judgement;
  /** The judged bucket after the run, back inside, if any. */
  back?: Judgement;
}

export interface Rules {
  /** Consecutive buckets outside the band before an alert (1: the first one). */
  pending: number;
  /** After an alert fires, no new one for the same series until this much later. */
  cooldownMs: number;
}

export type Action =
  /** A run already over (late rows revealed it) is raised resolved. */
  | { kind: 'raise'; run: Run; resolvedAtMs?: number }
  | { kind: 'update'; id: string; run: Run }
  | { kind: 'resolve'; id: string; atMs: number };

/** Runs of at least `pending` buckets, oldest first; `step` separates consecutive buckets. */
export function runsOf(judged: readonly Judgement[], pending: number, step: number): Run[] {
  // Local days are 23 or 25 hours long across a DST change.
  const follows = (a: Judgement, b: Judgement) => Math.abs(b.bucketMs - a.bucketMs - step) <= step / 8;
  const sorted = [...judged].sort((a, b) => a.bucketMs - b.bucketMs);
  const runs: Run[] = [];
  let current: Judgement[] = [];
  const close = (next?: Judgement) => {
    if (current.length >= pending) {
      const back = next && next.direction === null && follows(current.at(-1)!, next) ? next : undefined;
      runs.push({ buckets: current, fired: current[pending - 1]!, back });
    }
    current = [];
  };
  for (const j of sorted) {
    const last = current.at(-1);
    const continues = last && j.direction === last.direction && follows(last, j);
    if (j.direction === null || !continues) close(j);
    if (j.direction !== null) current.push(j);
  }
  close();
  return runs;
}

/**
 * What to do with a series' alerts, given its judged buckets (the last day or so, re-judged as late
 * rows land) and its alerts: a run that meets the pending period raises one unless an alert of the
 * same run exists (updated instead) or one fired within the cooldown; an alert resolves when a
 * bucket after its run is back inside the band, or when re-judging leaves no run under it.
 */
export function decide(
  judged: readonly Judgement[],
  alerts: readonly OpenAnomaly[],
  rules: Rules,
  step: number,
): Action[] {
  const actions: Action[] = [];
  const runs = runsOf(judged, rules.pending, step);
  const judgedFrom = Math.min(...judged.map((j) => j.bucketMs));
  const claimed = new Set<string>();
  const fired = alerts.map((a) => a.firedMs);
  for (const run of runs) {
    const from = run.buckets[0]!.bucketMs;
    const to = run.buckets.at(-1)!.bucketMs;
    const mine = alerts.find((a) => !claimed.has(a.id) && a.firedMs >= from && a.firedMs <= to);
    if (mine) {
      claimed.add(mine.id);
      if (!mine.resolved && (mine.toMs !== to || mine.fromMs !== from))
        actions.push({ kind: 'update', id: mine.id, run });
      if (!mine.resolved && run.back)
        actions.push({ kind: 'resolve', id: mine.id, atMs: run.back.bucketMs + step });
      continue;
    }
    const cooling = fired.some(
      (at) => at <= run.fired.bucketMs && run.fired.bucketMs - at < rules.cooldownMs,
    );
    if (cooling) continue;
    fired.push(run.fired.bucketMs);
    actions.push({ kind: 'raise', run, ...(run.back ? { resolvedAtMs: run.back.bucketMs + step } : {}) });
  }
  // Alerts whose run re-judging took away (late rows brought the values back).
  for (const a of alerts) {
    if (a.resolved || claimed.has(a.id) || a.firedMs < judgedFrom) continue;
    const back = judged.find((j) => j.bucketMs >= a.firedMs && j.direction === null);
    if (back) actions.push({ kind: 'resolve', id: a.id, atMs: back.bucketMs + step });
  }
  return actions;
}
