// The explorer's ranking bars: best brand on top whatever the KPI's direction, its rank before
// its name, and brands with too little volume greyed at the bottom with no bar and no rank (their
// value would swing between 0 % and 100 %).
import type { BenchmarkRow } from '../../../shared/schemas/kpi.js';
import { SET_COLOR } from '../../../shared/palette.js';
import { rankedOrder } from '../lib/low-volume.js';
import { CHART_GRID, CHART_MUTED, CHART_TEXT, type ChartOption } from './echarts.js';

export interface BarsInput {
  rows: readonly BenchmarkRow[];
  average: number | null;
  averageLabel: string;
  /** "Not enough data (8 mentions)" for a row the hub flags lowVolume, else null. */
  lowVolume: (row: BenchmarkRow) => string | null;
  /** A value in the KPI's unit; compact on the axis and the bars. */
  value: (value: number | null, compact: boolean) => string;
  color: (brand: string) => string;
  ownColor: string;
  /** A chart font size scaled to the screen, from its 12 px base. */
  scale: (size: number) => number;
}

export function benchmarkBarsOption(input: BarsInput): ChartOption {
  const rows = rankedOrder(input.rows);
  const low = rows.map((r) => input.lowVolume(r));
  const label = (i: number) => {
    const row = rows[i]!;
    if (low[i]) return `{low|${row.name}}`;
    const name = row.own ? `{own|${row.name}}` : row.name;
    return row.rank === null ? name : `{rank|${row.rank}}  ${name}`;
  };
  return {
    grid: { left: 8, right: 72, top: 24, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params) => {
        const p = Array.isArray(params) ? params[0] : params;
        const i = p?.dataIndex ?? 0;
        const row = rows[i];
        if (!row) return '';
        return `${row.name}: ${low[i] ?? input.value(row.value, false)}`;
      },
    },
    xAxis: {
      type: 'value',
      axisLabel: { color: CHART_MUTED, formatter: (v: number) => input.value(v, true) },
      splitLine: { lineStyle: { color: CHART_GRID } },
    },
    yAxis: {
      type: 'category',
      inverse: true,
      data: rows.map((r) => r.name),
      axisLabel: {
        color: CHART_TEXT,
        fontSize: input.scale(13),
        formatter: (_name: string, i: number) => label(i),
        rich: {
          own: { fontWeight: 'bold', color: input.ownColor, fontSize: input.scale(13) },
          rank: { color: CHART_MUTED, fontSize: input.scale(13) },
          low: { color: CHART_MUTED, fontSize: input.scale(13) },
        },
      },
      axisLine: { lineStyle: { color: CHART_GRID } },
    },
    series: [
      {
        type: 'bar',
        barMaxWidth: 24,
        data: rows.map((r, i) => ({
          // A low-volume brand gets no bar: its label says why.
          value: low[i] ? 0 : (r.value ?? 0),
          itemStyle: { color: input.color(r.brand), borderRadius: [0, 4, 4, 0] },
          label: low[i] ? { color: CHART_MUTED, fontStyle: 'italic' as const } : undefined,
        })),
        label: {
          show: true,
          position: 'right',
          color: CHART_TEXT,
          fontSize: input.scale(12),
          formatter: (p) => low[p.dataIndex] ?? input.value(rows[p.dataIndex]?.value ?? null, true),
        },
        markLine:
          input.average === null
            ? undefined
            : {
                symbol: 'none',
                silent: true,
                lineStyle: { color: SET_COLOR, type: 'dashed' },
                label: {
                  // The category axis is inverted (best on top): the line starts at the top.
                  position: 'start',
                  color: SET_COLOR,
                  fontSize: input.scale(12),
                  formatter: () => `${input.averageLabel} ${input.value(input.average, true)}`,
                },
                data: [{ xAxis: input.average }],
              },
      },
    ],
  };
}
