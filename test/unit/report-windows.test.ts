// The period a report covers, in its own time zone, anchored at the run's scheduled time.
import { describe, expect, it } from 'vitest';
import { reportWindow } from '../../server/reports/windows.js';

const iso = (w: { fromMs: number; toMs: number }) => [
  new Date(w.fromMs).toISOString(),
  new Date(w.toMs).toISOString(),
];

describe('report windows', () => {
  // Monday 6 April 2026, 08:00 in Paris (06:00 UTC, summer time since 29 March).
  const monday = Date.parse('2026-04-06T06:00:00Z');

  it('takes the last whole Monday–Sunday week in Paris, and the week before it across the DST change', () => {
    const { window, previous } = reportWindow('previous_week', monday, 'Europe/Paris');
    expect(iso(window)).toEqual(['2026-03-29T22:00:00.000Z', '2026-04-05T22:00:00.000Z']);
    // 23 March 00:00 CET to 30 March 00:00 CEST: a week of 167 hours.
    expect(iso(previous)).toEqual(['2026-03-22T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
  });

  it('takes the 7 days before the anchor’s hour, in whole local days', () => {
    const { window, previous } = reportWindow('last_7d', Date.parse('2026-04-02T06:40:00Z'), 'Europe/Paris');
    // 2 April 08:00 CEST back to 26 March 08:00 CET.
    expect(iso(window)).toEqual(['2026-03-26T07:00:00.000Z', '2026-04-02T06:00:00.000Z']);
    expect(previous.toMs).toBe(window.fromMs);
  });

  it('takes the last whole month, and the month before it', () => {
    const { window, previous } = reportWindow('previous_month', monday, 'Europe/Paris');
    expect(iso(window)).toEqual(['2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z']);
    expect(iso(previous)).toEqual(['2026-01-31T23:00:00.000Z', '2026-02-28T23:00:00.000Z']);
  });

  it('anchors in the report’s zone: a Sunday 23:30 in New York is still in its week', () => {
    const { window } = reportWindow('previous_week', Date.parse('2026-04-06T03:30:00Z'), 'America/New_York');
    // Sunday 5 April 23:30 EDT: the last whole week is 23–29 March.
    expect(iso(window)).toEqual(['2026-03-23T04:00:00.000Z', '2026-03-30T04:00:00.000Z']);
  });
});
