import { describe, expect, it } from 'vitest';
import { Partials } from '../../server/rollups/partials.js';
import { MINUTE, ZoneOffsets } from '../../shared/time.js';

const one = (ts: number, value: number) => ({
  sum: value,
  count: 1,
  min: value,
  max: value,
  lastTs: ts,
  lastValue: value,
});

describe('Partials', () => {
  it('aggregates per (series, bucket) across growth, like a GROUP BY', () => {
    const partials = new Partials(16);
    const expected = new Map<string, { sum: number; count: number; min: number; max: number }>();
    for (let i = 0; i < 50_000; i++) {
      const series = (i * 7919) % 613;
      const bucket = ((i * 104729) % 97) * MINUTE;
      const value = (i % 13) - 6;
      partials.add(1, series, bucket, MINUTE, one(bucket + (i % 60) * 1000, value));
      const key = `${series}/${bucket}`;
      const e = expected.get(key) ?? { sum: 0, count: 0, min: Infinity, max: -Infinity };
      expected.set(key, {
        sum: e.sum + value,
        count: e.count + 1,
        min: Math.min(e.min, value),
        max: Math.max(e.max, value),
      });
    }
    expect(partials.length).toBe(expected.size);
    for (let j = 0; j < partials.length; j++) {
      expect({
        sum: partials.sum[j],
        count: partials.count[j],
        min: partials.min[j],
        max: partials.max[j],
      }).toEqual(expected.get(`${partials.series[j]}/${partials.bucket[j]}`));
    }
  });

  it('keeps the value at the latest timestamp, the larger one on a tie, whatever the order', () => {
    for (const order of [
      [0, 1, 2],
      [2, 1, 0],
      [1, 2, 0],
    ]) {
      const partials = new Partials();
      const rows = [one(5_000, 3), one(9_000, 1), one(9_000, 2)];
      for (const i of order) partials.add(1, 42, 0, MINUTE, rows[i]!);
      expect([partials.lastTs[0], partials.lastValue[0]]).toEqual([9_000, 2]);
    }
  });
});

describe('ZoneOffsets', () => {
  it('puts instants in the local day of the zone, across a DST change', () => {
    const paris = new ZoneOffsets('Europe/Paris');
    expect(paris.localDay(Date.parse('2026-03-28T23:30:00Z'))).toBe(Date.parse('2026-03-29T00:00:00Z'));
    expect(paris.localDay(Date.parse('2026-03-29T21:59:00Z'))).toBe(Date.parse('2026-03-29T00:00:00Z'));
    expect(paris.localDay(Date.parse('2026-03-29T22:00:00Z'))).toBe(Date.parse('2026-03-30T00:00:00Z'));
    const kathmandu = new ZoneOffsets('Asia/Kathmandu');
    expect(kathmandu.offset(Date.parse('2026-03-10T00:00:00Z'))).toBe((5 * 60 + 45) * MINUTE);
    expect(kathmandu.localDay(Date.parse('2026-03-10T18:14:00Z'))).toBe(Date.parse('2026-03-10T00:00:00Z'));
    expect(kathmandu.localDay(Date.parse('2026-03-10T18:15:00Z'))).toBe(Date.parse('2026-03-11T00:00:00Z'));
  });
});
