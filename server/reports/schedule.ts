// When a report runs: its cron in its own time zone, DST-safe (croner: a 02:30 run on the
// spring-forward day runs at 03:00, and on the fall-back day once).
import { Cron } from 'croner';
import { faults } from '../errors.js';

function cronOf(cron: string, timezone: string): Cron {
  try {
    // Day-of-month and weekday both given means both, as a person reads "the 1st, if a Monday".
    return new Cron(cron, { timezone, paused: true, domAndDow: true });
  } catch (err) {
    throw faults.invalid(
      'invalid_report',
      `The schedule "${cron}" cannot be read: ${(err as Error).message.replace(/^CronPattern: /, '')}.`,
      'Write five fields (minute hour day month weekday), e.g. "0 8 * * 1" for Mondays at 08:00, or six with seconds first.',
    );
  }
}

/** Refuses a schedule that cannot run: a bad cron, or a time zone that is not an IANA name. */
export function checkSchedule(cron: string, timezone: string): void {
  const job = cronOf(cron, timezone);
  try {
    job.nextRun(new Date(0));
  } catch {
    throw faults.invalid(
      'invalid_report',
      `"${timezone}" is not a known IANA time zone.`,
      'Use a name such as "Europe/Paris", "UTC" or "America/New_York".',
    );
  }
}

/** The next `count` run times after `fromMs`, ISO UTC. */
export function nextRuns(cron: string, timezone: string, count: number, fromMs: number): string[] {
  return cronOf(cron, timezone)
    .nextRuns(count, new Date(fromMs))
    .map((d) => d.toISOString());
}

/** The latest run time in (afterMs, untilMs], or undefined when none falls in it. */
export function lastDue(
  cron: string,
  timezone: string,
  afterMs: number,
  untilMs: number,
): number | undefined {
  const job = cronOf(cron, timezone);
  let latest: number | undefined;
  let at = new Date(afterMs);
  // Bounded: a schedule every second over a 6 h catch-up window is 21 600 steps at most.
  for (let i = 0; i < 100_000; i++) {
    const next = job.nextRun(at);
    if (!next || next.getTime() > untilMs) break;
    latest = next.getTime();
    at = next;
  }
  return latest;
}

/** The next run time after `fromMs` (ms), or undefined for a schedule that never runs again. */
export function nextDue(cron: string, timezone: string, fromMs: number): number | undefined {
  return cronOf(cron, timezone).nextRun(new Date(fromMs))?.getTime();
}
