import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coverWindow } from '../../server/rollups/cover.js';
import { DAY, HOUR, MINUTE, ZoneOffsets } from '../../shared/time.js';

const ZONES = [
  'UTC',
  'Europe/Paris',
  'America/New_York',
  'Asia/Kathmandu',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
];
const zones = new Map(ZONES.map((z) => [z, new ZoneOffsets(z)]));

/** Every minute the cover counts, with how many times: the window's minutes, once each. */
function minutesCounted(from: number, to: number, zone: ZoneOffsets): Map<number, number> {
  const cover = coverWindow({ fromMs: from, toMs: to }, zone);
  const seen = new Map<number, number>();
  const add = (a: number, b: number) => {
    for (let m = a; m < b; m += MINUTE) seen.set(m, (seen.get(m) ?? 0) + 1);
  };
  if (cover.days) {
    // Day buckets hold the minutes whose local day is in [fromLocal, toLocal).
    for (let m = cover.days.fromMs - 2 * DAY; m < cover.days.toMs + 2 * DAY; m += MINUTE) {
      const day = zone.localDay(m);
      if (day >= cover.days.fromLocal && day < cover.days.toLocal) add(m, m + MINUTE);
    }
  }
  for (const h of cover.hours) {
    expect(h.fromMs % HOUR).toBe(0);
    expect(h.toMs % HOUR).toBe(0);
    add(h.fromMs, h.toMs);
  }
  for (const m of cover.minutes) add(m.fromMs, m.toMs);
  return seen;
}

describe('coverWindow', () => {
  it('tiles any minute-aligned window exactly with local days, UTC hours and minutes, in every zone', () => {
    const base = Date.parse('2026-03-26T00:00:00Z');
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: 0, max: 6 * 24 * 60 }),
        fc.integer({ min: 1, max: 4 * 24 * 60 }),
        (zone, startMinute, lengthMinutes) => {
          const from = base + startMinute * MINUTE;
          const to = from + lengthMinutes * MINUTE;
          const seen = minutesCounted(from, to, zones.get(zone)!);
          expect(seen.size).toBe(lengthMinutes);
          for (const [minute, times] of seen) {
            expect(times).toBe(1);
            expect(minute >= from && minute < to).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('uses whole days where they fit: a week in Paris is 7 day buckets and nothing else', () => {
    const cover = coverWindow(
      { fromMs: Date.parse('2026-03-22T23:00:00Z'), toMs: Date.parse('2026-03-29T22:00:00Z') },
      zones.get('Europe/Paris')!,
    );
    expect(cover.days && (cover.days.toLocal - cover.days.fromLocal) / DAY).toBe(7);
    expect(cover.hours).toEqual([]);
    expect(cover.minutes).toEqual([]);
  });

  it('reads minutes up to a half-hour-offset midnight (Kolkata), then whole days', () => {
    // Local midnight of 11 March in Kolkata is 10 March 18:30Z.
    const cover = coverWindow(
      { fromMs: Date.parse('2026-03-10T17:05:00Z'), toMs: Date.parse('2026-03-11T18:30:00Z') },
      zones.get('Asia/Kolkata')!,
    );
    expect(cover.days).toMatchObject({
      fromMs: Date.parse('2026-03-10T18:30:00Z'),
      toMs: Date.parse('2026-03-11T18:30:00Z'),
    });
    // Before that midnight, 17:05Z..18:30Z holds no whole UTC hour: minutes only.
    expect(cover.hours).toEqual([]);
    expect(cover.minutes).toEqual([
      { fromMs: Date.parse('2026-03-10T17:05:00Z'), toMs: Date.parse('2026-03-10T18:30:00Z') },
    ]);
  });
});
