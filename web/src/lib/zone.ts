// Calendar dates of the workspace's time zone as instants: its days are the rollups' days, so a
// custom range starts at the workspace's midnight, not the browser's.
import { zoneOf } from '../../../shared/time.js';

/** Midnight starting a date (YYYY-MM-DD) in a zone, as an ISO instant; null when not a date. */
export function zonedMidnight(date: string, timeZone: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return null;
  const midnight = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(zoneOf(timeZone).toInstant(midnight)).toISOString();
}

/** The date after a date (YYYY-MM-DD). */
export function nextDate(date: string): string {
  const ms = Date.parse(`${date}T00:00:00Z`);
  return new Date(ms + 86_400_000).toISOString().slice(0, 10);
}

/**
 * A custom range of the explorer as the API's [from, to): dates are whole days of the zone, `to`
 * included; ISO instants pass through.
 */
export function rangeToInstants(
  from: string,
  to: string,
  timeZone: string,
): { from: string; to: string } | null {
  const start = from.includes('T') ? from : zonedMidnight(from, timeZone);
  const end = to.includes('T') ? to : zonedMidnight(nextDate(to), timeZone);
  if (!start || !end || Date.parse(end) <= Date.parse(start)) return null;
  return { from: start, to: end };
}

/** The chart grain that keeps a range readable: hours up to two days, days up to four months. */
export function autoGrain(fromIso: string, toIso: string): 'hour' | 'day' | 'week' {
  const span = Date.parse(toIso) - Date.parse(fromIso);
  if (span <= 2 * 86_400_000) return 'hour';
  if (span <= 120 * 86_400_000) return 'day';
  return 'week';
}

/** The calendar date (YYYY-MM-DD) of an instant in a zone. */
export function zonedDate(iso: string | number, timeZone: string): string {
  const ms = typeof iso === 'number' ? iso : Date.parse(iso);
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(ms);
}
