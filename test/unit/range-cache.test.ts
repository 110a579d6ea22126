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
    cache.set(1, 0, range(3, 4), 'd'); // 120 bytes: the least recently used goes
    expect(cache.heldBytes).toBeLessThanOrEqual(100);
    expect(cache.get(1, range(1, 2))).toBeUndefined();
    expect(cache.get(1, range(3, 4))).toBe('d');
  });

  it('drops the least recently used first across workspaces, and counts what it holds', () => {
    const cache = new RangeCache<string>(100, () => 30);
    cache.set(1, 0, range(0, 1), 'a');
    cache.set(2, 0, range(0, 1), 'b');
    cache.set(1, 0, range(1, 2), 'c');
    expect(cache.heldBytes).toBe(90);
    cache.get(1, range(0, 1));
    cache.set(2, 0, range(1, 2), 'd');
    expect(cache.get(2, range(0, 1))).toBeUndefined();
    expect([cache.get(1, range(0, 1)), cache.get(1, range(1, 2)), cache.get(2, range(1, 2))]).toEqual([
      'a',
      'c',
      'd',
    ]);
    expect(cache.heldBytes).toBe(90);
    cache.drop(1);
    expect(cache.heldBytes).toBe(30);
  });

  it('a range stored again is still dropped by a change over it', () => {
    const cache = new RangeCache<string>(1_000, () => 1);
    cache.set(1, 0, range(0, 10), 'first');
    cache.set(1, 0, range(0, 10), 'second');
    expect(cache.get(1, range(0, 10))).toBe('second');
    cache.changed(1, 5, 5);
    expect(cache.get(1, range(0, 10))).toBeUndefined();
  });

  it('keeps values its estimate weighs at nothing, and refuses one heavier than the budget without evicting', () => {
    const cache = new RangeCache<Map<string, number>>(100, (m) => 40 * m.size);
    cache.set(1, 0, range(0, 1), new Map());
    expect(cache.get(1, range(0, 1))).toEqual(new Map());
    cache.set(1, 0, range(1, 2), new Map([['x', 1]]));
    cache.set(1, 0, range(2, 3), new Map([...'abc'].map((k) => [k, 1])));
    expect(cache.get(1, range(2, 3))).toBeUndefined();
    expect(cache.get(1, range(1, 2))).toEqual(new Map([['x', 1]]));
    expect(cache.get(1, range(0, 1))).toEqual(new Map());
    // An evicted or refused range leaves nothing behind that a later change trips on.
    cache.changed(1, 0, 3);
    expect(cache.heldBytes).toBe(0);
  });
});
