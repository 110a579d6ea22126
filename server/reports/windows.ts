// The period a report covers, anchored at its run's scheduled time (send-now: now) in the
// report's time zone, with the period before it to compare with, as the API compares.
import type { ReportWindow } from '../../shared/schemas/reports.js';
import { DAY, HOUR, zoneOf, type Window } from '../../shared/time.js';

export function reportWindow(
  name: ReportWindow,
  anchorMs: number,
  timezone: string,
): { window: Window; previous: Window } {
  const zone = zoneOf(timezone);
  const local = zone.toLocal(anchorMs);
  if (name === 'last_7d' || name === 'last_28d') {
    // The days before the anchor's (local) hour; local days, so a DST change keeps 7 whole days.
    const days = name === 'last_7d' ? 7 : 28;
    const endLocal = Math.floor(local / HOUR) * HOUR;
    const at = (d: number) => zone.toInstant(endLocal - d * DAY);
    return { window: { fromMs: at(days), toMs: at(0) }, previous: { fromMs: at(2 * days), toMs: at(days) } };
  }
  const day = new Date(Math.floor(local / DAY) * DAY);
  const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()];
  if (name === 'previous_week') {
    // The last whole Monday–Sunday week, and the week before it.
    const monday = d - ((day.getUTCDay() + 6) % 7);
    const at = (weeksBack: number) => zone.toInstant(Date.UTC(y, m, monday - 7 * weeksBack));
    return { window: { fromMs: at(1), toMs: at(0) }, previous: { fromMs: at(2), toMs: at(1) } };
  }
  // previous_month: the last whole calendar month, and the month before it.
  const at = (monthsBack: number) => zone.toInstant(Date.UTC(y, m - monthsBack, 1));
  return { window: { fromMs: at(1), toMs: at(0) }, previous: { fromMs: at(2), toMs: at(1) } };
}
