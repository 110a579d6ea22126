import { describe, expect, it } from 'vitest';
import { KPIS_BY_ID } from '../../shared/kpis.js';
import { benchmarkRows } from '../../server/kpi/benchmark.js';
import type { Value } from '../../server/kpi/compute.js';

const brands = ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({ id, name: id.toUpperCase(), own: i === 0 }));
const values = (xs: (number | null)[]) =>
  new Map<string, Value>(
    xs.map((v, i) => [brands[i]!.id, v === null ? { value: null, reason: 'no_data' } : { value: v }]),
  );

describe('benchmark rows', () => {
  it('rank ties share a rank ("1224"), to 12 significant digits, and null values get none', () => {
    const { rows, set } = benchmarkRows(
      KPIS_BY_ID.get('mentions')!,
      brands,
      values([10, 7, 0.1 + 0.2, 0.3, null]),
      values([5, null, 1, 1, 1]),
    );
    expect(rows.map((r) => r.rank)).toEqual([1, 2, 3, 3, null]);
    expect(rows[4]).toMatchObject({
      value: null,
      reason: 'no_data',
      index: null,
      share: null,
      gapToLeader: null,
    });
    expect(set.leader).toBe('a');
    expect(set.average).toBeCloseTo(17.6 / 4, 12);
    expect(set.median).toBeCloseTo((7 + 0.3) / 2, 12);
    expect(rows[0]).toMatchObject({ previous: 5, delta: 5, deltaPct: 1, gapToLeader: 0 });
    expect(rows[1]).toMatchObject({ previous: null, delta: null, deltaPct: null, gapToLeader: 3 });
    expect(rows[0]!.share).toBeCloseTo(10 / 17.6, 12);
    expect(rows[0]!.index).toBeCloseTo((100 * 10) / 4.4, 9);
  });

  it('ranks lower-is-better KPIs ascending, and their index is above 100 when better than the set', () => {
    const { rows, set } = benchmarkRows(
      KPIS_BY_ID.get('avg_position')!,
      brands.slice(0, 3),
      values([2, 4, 6]),
      values([]),
    );
    expect(rows.map((r) => r.rank)).toEqual([1, 2, 3]);
    expect(rows.map((r) => r.index)).toEqual([200, 100, (100 * 4) / 6]);
    expect(rows.map((r) => r.gapToLeader)).toEqual([0, -2, -4]);
    expect(rows.every((r) => r.share === null)).toBe(true);
    expect(set.leader).toBe('a');
  });

  it('gives no relative delta against a zero previous value', () => {
    const { rows } = benchmarkRows(KPIS_BY_ID.get('clicks')!, brands.slice(0, 1), values([3]), values([0]));
    expect(rows[0]).toMatchObject({ delta: 3, deltaPct: null });
  });
});
