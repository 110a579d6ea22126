import { describe, expect, it } from 'vitest';
import { KPIS, KPIS_BY_ID } from '../../shared/kpis.js';
import type { Value } from '../../server/kpi/compute.js';
import { computeDpi, DEFAULT_DPI_WEIGHTS, scoreSet } from '../../server/kpi/dpi.js';

const values = (entries: [string, number | null][]) =>
  new Map<string, Value>(
    entries.map(([b, v]) => [b, v === null ? { value: null, reason: 'no_data' } : { value: v }]),
  );

describe('DPI scores', () => {
  it('scale each KPI min–max across the set, reversed for lower-is-better KPIs, nulls left out', () => {
    expect(
      scoreSet(
        KPIS_BY_ID.get('clicks')!,
        values([
          ['a', 10],
          ['b', 30],
          ['c', 20],
          ['d', null],
        ]),
      ),
    ).toEqual(
      new Map([
        ['a', 0],
        ['b', 100],
        ['c', 50],
      ]),
    );
    expect(
      scoreSet(
        KPIS_BY_ID.get('avg_position')!,
        values([
          ['a', 1],
          ['b', 3],
          ['c', 2],
        ]),
      ),
    ).toEqual(
      new Map([
        ['a', 100],
        ['b', 0],
        ['c', 50],
      ]),
    );
    expect(
      scoreSet(
        KPIS_BY_ID.get('clicks')!,
        values([
          ['a', 7],
          ['b', 7],
        ]),
      ),
    ).toEqual(
      new Map([
        ['a', 100],
        ['b', 100],
      ]),
    );
  });

  it('average KPI scores per touchpoint with KPI weights, and touchpoints with touchpoint weights', async () => {
    // a leads every search KPI, b every social one; nothing elsewhere.
    const valuesOf = async (kpi: (typeof KPIS)[number]) =>
      kpi.group === 'search'
        ? values([
            ['a', kpi.direction === 'higher' ? 2 : 1],
            ['b', kpi.direction === 'higher' ? 1 : 2],
          ])
        : kpi.group === 'social'
          ? values([
              ['a', kpi.direction === 'higher' ? 1 : 2],
              ['b', kpi.direction === 'higher' ? 2 : 1],
            ])
          : values([]);
    const equal = await computeDpi(['a', 'b', 'c'], DEFAULT_DPI_WEIGHTS, KPIS, valuesOf);
    expect(equal.get('a')!.value).toBe(50);
    expect(equal.get('b')!.value).toBe(50);
    expect(equal.get('c')).toEqual({ value: null, reason: 'no_data' });
    const searchHeavy = await computeDpi(
      ['a', 'b'],
      { ...DEFAULT_DPI_WEIGHTS, touchpoints: { ...DEFAULT_DPI_WEIGHTS.touchpoints, search: 3 } },
      KPIS,
      valuesOf,
    );
    expect(searchHeavy.get('a')!.value).toBe(75);
    expect(
      (await computeDpi(['a', 'b'], DEFAULT_DPI_WEIGHTS, KPIS, valuesOf, 'social')).get('b')!.value,
    ).toBe(100);
    // A KPI weighted 0 leaves its touchpoint score.
    const onlyCtr = {
      ...DEFAULT_DPI_WEIGHTS,
      kpis: Object.fromEntries(KPIS.map((k) => [k.id, k.id === 'ctr' ? 1 : 0])),
    };
    const ctrValues = async (kpi: (typeof KPIS)[number]) =>
      kpi.id === 'ctr'
        ? values([
            ['a', 0.1],
            ['b', 0.3],
            ['c', 0.2],
          ])
        : values([
            ['a', 99],
            ['b', 0],
            ['c', 0],
          ]);
    const search = [...(await computeDpi(['a', 'b', 'c'], onlyCtr, KPIS, ctrValues, 'search')).values()];
    [0, 100, 50].forEach((want, i) => expect(search[i]!.value).toBeCloseTo(want, 9));
  });
});
