// When a report runs: its cron read in its own time zone, across the Europe/Paris DST changes.
import { describe, expect, it } from 'vitest';
import { checkSchedule, nextRuns } from '../../server/reports/schedule.js';

const from = (iso: string) => Date.parse(iso);

describe('report schedules', () => {
  it('sends a Monday 08:00 Paris report at 07:00 UTC in winter and 06:00 UTC in summer', () => {
    expect(nextRuns('0 8 * * 1', 'Europe/Paris', 3, from('2026-03-20T00:00:00Z'))).toEqual([
      '2026-03-23T07:00:00.000Z',
      '2026-03-30T06:00:00.000Z', // the day after the spring-forward change
      '2026-04-06T06:00:00.000Z',
    ]);
  });

  it('runs a 02:30 daily report at 03:00 on the spring-forward day, and once on the fall-back day', () => {
    expect(nextRuns('30 2 * * *', 'Europe/Paris', 3, from('2026-03-28T00:00:00Z'))).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:00:00.000Z', // 02:30 does not exist that night: 03:00 CEST
      '2026-03-30T00:30:00.000Z',
    ]);
    expect(nextRuns('30 2 * * *', 'Europe/Paris', 3, from('2026-10-24T00:00:00Z'))).toEqual([
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z', // 02:30 comes twice that night: sent once
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('takes six fields with seconds first', () => {
    expect(nextRuns('*/10 * * * * *', 'UTC', 2, from('2026-03-20T00:00:05Z'))).toEqual([
      '2026-03-20T00:00:10.000Z',
      '2026-03-20T00:00:20.000Z',
    ]);
  });

  it('refuses a schedule or a time zone it cannot read, saying how to write one', () => {
    expect(() => checkSchedule('61 8 * * *', 'UTC')).toThrow(
      /The schedule "61 8 \* \* \*" cannot be read: .*minute/,
    );
    expect(() => checkSchedule('0 8 * * 1', 'Mars/Base')).toThrow(
      /"Mars\/Base" is not a known IANA time zone/,
    );
  });
});
