// A KPI over time, one line per brand: the chart the dashboard's explorer draws and the one the
// e-mail reports draw, from one builder, so that a report's chart reads like the screen's. Each
// caller adds what only it has (tooltips, anomaly marks and forecasts on screen; a light theme and
// no animation in a mail).
import type { LineSeriesOption } from 'echarts/charts';
import type {
  GridComponentOption,
  LegendComponentOption,
  XAXisComponentOption,
  YAXisComponentOption,
} from 'echarts';
import type { KpiSeries } from '../schemas/kpi.js';

export interface KpiLinesInput {
  series: KpiSeries;
  unit: string;
  color: (brand: string) => string;
  /** Axis ticks: values (compact) and bucket starts. */
  formatValue: (value: number) => string;
  formatTime: (ms: number) => string;
  /** Axis and grid colours (dark on the dashboard, light in a mail). */
  muted: string;
  grid: string;
  /** 'lower' (average position): the axis is upside down, so the best brand's line is on top. */
  direction?: 'higher' | 'lower' | undefined;
}

export interface KpiLinesOption {
  grid: GridComponentOption;
  legend: LegendComponentOption;
  xAxis: XAXisComponentOption;
  yAxis: YAXisComponentOption;
  series: LineSeriesOption[];
}

/** The brand lines (the own brand thick and on top) with their axes and legend. */
export function kpiLines(input: KpiLinesInput): KpiLinesOption {
  const timestamps = input.series.buckets.map((b) => Date.parse(b));
  const series = input.series.series.map<LineSeriesOption>((s) => ({
    type: 'line',
    id: s.brand,
    name: s.name,
    showSymbol: timestamps.length < 40,
    symbolSize: s.own ? 6 : 4,
    z: s.own ? 10 : 2,
    color: input.color(s.brand),
    lineStyle: { width: s.own ? 4 : 1.5 },
    emphasis: { focus: 'series' },
    data: s.values.map((v, i) => [timestamps[i]!, v]),
  }));
  return {
    // Room on the right for the last time label, which containLabel leaves to overflow.
    grid: { left: 8, right: 32, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0, textStyle: { color: input.muted }, icon: 'roundRect' },
    xAxis: {
      type: 'time',
      axisLabel: {
        color: input.muted,
        hideOverlap: true,
        formatter: (value: number) => input.formatTime(value),
        // A forecast takes the axis to the chart's edge: its last label must not be cut.
        alignMinLabel: 'left',
        alignMaxLabel: 'right',
      },
      axisLine: { lineStyle: { color: input.grid } },
    },
    yAxis: {
      type: 'value',
      inverse: input.direction === 'lower',
      scale: input.unit !== 'count' && input.unit !== 'people',
      axisLabel: { color: input.muted, formatter: (v: number) => input.formatValue(v) },
      splitLine: { lineStyle: { color: input.grid } },
    },
    series,
  };
}
