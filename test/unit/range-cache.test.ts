import { describe, expect, it } from 'vitest';
import { RangeCache, type RangeKey } from '../../server/rollups/range-cache.js';

const range = (fromMs: number, toMs: number, table = 't'): RangeKey => ({
  table,
  from: fromMs,
  to: toMs,
  fromMs,
  toMs,
});

describe('RangeCache', () => {
  it('drops an entry when a change overlaps its span, keeps the others', () => {
    const cache = new RangeCache<string>(1_000, () => 1);
    cache.set(1, cache.version(1), range(0, 10), 'a');
    cache.set(1, cache.version(1), range(10, 20), 'b');
    cache.set(2, cache.version(2), range(0, 10), 'other workspace');
    cache.changed(1, 12, 12);
    expect(cache.get(1, range(0, 10))).toBe('a');
    expect(cache.get(1, range(10, 20))).toBeUndefined();
    expect(cache.get(2, range(0, 10))).toBe('other workspace');
    cache.drop(1);
    expect(cache.get(1, range(0, 10))).toBeUndefined();
  });

  it('refuses what a read fetched when an overlapping change landed meanwhile, not for others', () => {
    const cache = new RangeCache<string>(1_000, () => 1);
    const before = cache.version(1);
    cache.changed(1, 100, 200); // elsewhere
    cache.set(1, before, range(0, 10), 'kept');
    expect(cache.get(1, range(0, 10))).toBe('kept');
    const again = cache.version(1);
    cache.changed(1, 5, 5); // inside its span
    cache.set(1, again, range(20, 30), 'kept too');
    cache.set(1, again, range(0, 10), 'stale');
    expect(cache.get(1, range(20, 30))).toBe('kept too');
    // The change dropped the old entry, and the read that began before it is not stored.
    expect(cache.get(1, range(0, 10))).toBeUndefined();
  });

  it('stays within its byte budget, dropping the least recently used first', () => {
    const cache = new RangeCache<string>(100, () => 30);
    cache.set(1, 0, range(0, 1), 'a');
    cache.set(1, 0, range(1, 2), 'b');
    cache.set(1, 0, range(2, 3), 'c');
    cache.get(1, range(0, 1)); // a is now the most recently used
    cache.set(1, 0, range(3, 4), 'd'); // 120 bytes: evict to 75
    expect(cache.heldBytes).toBeLessThanOrEqual(100);
    expect(cache.get(1, range(1, 2))).toBeUndefined();
    expect(cache.get(1, range(3, 4))).toBe('d');
  });
});
