import { describe, expect, it } from 'vitest';
import { ApiError } from '../../server/errors.js';
import { queryWindow } from '../../server/http/query.js';
import { ZoneOffsets } from '../../shared/time.js';

const iso = (ms: number) => new Date(ms).toISOString();
const resolved = (spec: Parameters<typeof queryWindow>[0], timezone = 'UTC') => {
  const r = queryWindow(spec, timezone);
  return {
    window: [iso(r.window.fromMs), iso(r.window.toMs)],
    previous: [iso(r.previous.fromMs), iso(r.previous.toMs)],
  };
};

describe('relative windows', () => {
  it('end at the start of the next minute after `at`, so the current minute is in', () => {
    expect(resolved({ window: '24h', at: '2026-03-10T14:03:27Z' })).toEqual({
      window: ['2026-03-09T14:04:00.000Z', '2026-03-10T14:04:00.000Z'],
      previous: ['2026-03-08T14:04:00.000Z', '2026-03-09T14:04:00.000Z'],
    });
    expect(resolved({ window: '1h', at: '2026-03-10T14:03:00Z' }).window).toEqual([
      '2026-03-10T13:04:00.000Z',
      '2026-03-10T14:04:00.000Z',
    ]);
  });

  it('move with the clock when no `at` is given', () => {
    const now = Date.parse('2026-11-29T10:15:42Z');
    const r = queryWindow({ window: '7d' }, 'Europe/Paris', now);
    expect(iso(r.window.toMs)).toBe('2026-11-29T10:16:00.000Z');
    expect(r.window.toMs - r.window.fromMs).toBe(7 * 86_400_000);
  });
});

describe('explicit windows', () => {
  it('are floored to the minute, and their previous period is as long, just before', () => {
    expect(resolved({ from: '2026-03-10T10:00:30Z', to: '2026-03-10T12:30:59.999+01:00' })).toEqual({
      window: ['2026-03-10T10:00:00.000Z', '2026-03-10T11:30:00.000Z'],
      previous: ['2026-03-10T08:30:00.000Z', '2026-03-10T10:00:00.000Z'],
    });
  });

  it('refuse an empty, half-given or doubly given window with an actionable error', () => {
    const code = (spec: Parameters<typeof queryWindow>[0]) => {
      try {
        queryWindow(spec, 'UTC');
      } catch (error) {
        expect(error).toBeInstanceOf(ApiError);
        return (error as ApiError).message;
      }
      throw new Error('no error');
    };
    expect(code({ from: '2026-03-10T10:00:10Z', to: '2026-03-10T10:00:50Z' })).toMatch(/not after "from"/);
    expect(code({ from: '2026-03-10T10:00:00Z' })).toMatch(/No window/);
    expect(code({ window: '7d', from: '2026-03-10T10:00:00Z' })).toMatch(/Both "window" and "from"/);
    expect(code({ window: '2w' })).toMatch(/Unknown window "2w"/);
  });
});

describe('calendar windows', () => {
  it('mtd on 10 March 14:00 compares with 1 to 10 February 14:00, in the workspace zone', () => {
    // 14:00 in Paris (UTC+1 in winter) is 13:00Z; the window includes the current minute.
    expect(resolved({ window: 'mtd', at: '2026-03-10T13:00:00Z' }, 'Europe/Paris')).toEqual({
      window: ['2026-02-28T23:00:00.000Z', '2026-03-10T13:01:00.000Z'],
      previous: ['2026-01-31T23:00:00.000Z', '2026-02-10T13:01:00.000Z'],
    });
  });

  it('today across the spring-forward change compares with yesterday up to the same local time', () => {
    // 29 March 2026, Paris moves from UTC+1 to UTC+2 at 01:00Z. 15:00 local is 13:00Z.
    expect(resolved({ window: 'today', at: '2026-03-29T13:00:00Z' }, 'Europe/Paris')).toEqual({
      window: ['2026-03-28T23:00:00.000Z', '2026-03-29T13:01:00.000Z'],
      previous: ['2026-03-27T23:00:00.000Z', '2026-03-28T14:01:00.000Z'],
    });
  });

  it('wtd starts on Monday; qtd and ytd on the quarter and year', () => {
    // Wednesday 11 March 2026, 09:30Z.
    expect(resolved({ window: 'wtd', at: '2026-03-11T09:30:00Z' })).toEqual({
      window: ['2026-03-09T00:00:00.000Z', '2026-03-11T09:31:00.000Z'],
      previous: ['2026-03-02T00:00:00.000Z', '2026-03-04T09:31:00.000Z'],
    });
    expect(resolved({ window: 'qtd', at: '2026-05-10T00:00:00Z' })).toEqual({
      window: ['2026-04-01T00:00:00.000Z', '2026-05-10T00:01:00.000Z'],
      previous: ['2026-01-01T00:00:00.000Z', '2026-02-09T00:01:00.000Z'],
    });
    expect(resolved({ window: 'ytd', at: '2026-03-10T12:00:00Z' })).toEqual({
      window: ['2026-01-01T00:00:00.000Z', '2026-03-10T12:01:00.000Z'],
      previous: ['2025-01-01T00:00:00.000Z', '2025-03-10T12:01:00.000Z'],
    });
  });

  it('clamps the previous period at its own end when it is shorter (mtd on 31 March)', () => {
    expect(resolved({ window: 'mtd', at: '2026-03-31T12:00:00Z' }).previous).toEqual([
      '2026-02-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
    ]);
  });

  it('the last minute of a day still belongs to that day', () => {
    expect(resolved({ window: 'today', at: '2026-03-10T23:59:30Z' }).window).toEqual([
      '2026-03-10T00:00:00.000Z',
      '2026-03-11T00:00:00.000Z',
    ]);
  });
});

describe('wall-clock to instant', () => {
  it('moves a time in the spring-forward gap on by the gap, and takes the first of a repeated time', () => {
    const paris = new ZoneOffsets('Europe/Paris');
    expect(iso(paris.toInstant(Date.parse('2026-03-29T02:30:00Z')))).toBe('2026-03-29T01:30:00.000Z');
    expect(iso(paris.toInstant(Date.parse('2026-10-25T02:30:00Z')))).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(paris.toInstant(Date.parse('2026-07-01T12:00:00Z')))).toBe('2026-07-01T10:00:00.000Z');
  });
});
