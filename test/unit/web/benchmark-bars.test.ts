// The explorer's ranking bars, from the option the chart is drawn with: the order a strategist
// reads, the rank before each name, and low-volume brands set apart.
import { describe, expect, it } from 'vitest';
import type { BenchmarkRow } from '../../../shared/schemas/kpi.js';
import { benchmarkBarsOption } from '../../../web/src/charts/benchmark-bars.js';

const row = (
  brand: string,
  value: number,
  rank: number,
  extra: Partial<BenchmarkRow> = {},
): BenchmarkRow => ({
  brand,
  name: brand.toUpperCase(),
  own: false,
  value,
  previous: null,
  delta: null,
  deltaPct: null,
  rank,
  index: null,
  share: null,
  gapToLeader: null,
  ...extra,
});

const build = (rows: BenchmarkRow[]) =>
  benchmarkBarsOption({
    rows,
    average: null,
    averageLabel: 'Set average',
    lowVolume: (r) => (r.lowVolume ? `Not enough data (${r.volume} mentions)` : null),
    value: (v) => (v === null ? '—' : v.toFixed(1)),
    color: () => '#888',
    ownColor: '#f00',
    scale: (n) => n,
  });

/** What the reader sees, top to bottom: each category label and its bar's label. */
function read(option: ReturnType<typeof build>) {
  const y = option.yAxis as { data: string[]; axisLabel: { formatter: (n: string, i: number) => string } };
  const bars = (
    option.series as { data: { value: number }[]; label: { formatter: (p: object) => string } }[]
  )[0]!;
  return y.data.map((name, i) => ({
    name: y.axisLabel.formatter(name, i),
    bar: bars.data[i]!.value,
    label: bars.label.formatter({ dataIndex: i }),
  }));
}

describe('ranking bars', () => {
  it('puts the best average position on top with its rank, whatever order the rows come in', () => {
    // Average position: lower is better, so the hub ranks 1.8 first.
    const shown = read(build([row('globex', 6.2, 3), row('acme', 1.8, 1), row('initech', 3.4, 2)]));
    expect(shown.map((s) => s.name)).toEqual(['{rank|1}  ACME', '{rank|2}  INITECH', '{rank|3}  GLOBEX']);
    expect(shown.map((s) => s.label)).toEqual(['1.8', '3.4', '6.2']);
  });

  it('greys a brand with too little volume at the bottom, with no bar, no rank and the reason', () => {
    const shown = read(
      build([
        row('acme', 0.4, 2),
        row('umbrella', 1, 1, { lowVolume: true, volume: 8 }),
        row('globex', 0.1, 3, { own: true }),
      ]),
    );
    expect(shown).toEqual([
      { name: '{rank|2}  ACME', bar: 0.4, label: '0.4' },
      { name: '{rank|3}  {own|GLOBEX}', bar: 0.1, label: '0.1' },
      { name: '{low|UMBRELLA}', bar: 0, label: 'Not enough data (8 mentions)' },
    ]);
  });
});
