// ECharts, tree-shaken: only the charts and components the dashboard draws are bundled.
import { BarChart, LineChart, PieChart, RadarChart } from 'echarts/charts';
import type { BarSeriesOption, LineSeriesOption, PieSeriesOption, RadarSeriesOption } from 'echarts/charts';
import {
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  MarkPointComponent,
  RadarComponent,
  TooltipComponent,
} from 'echarts/components';
import type {
  GridComponentOption,
  LegendComponentOption,
  MarkLineComponentOption,
  MarkPointComponentOption,
  RadarComponentOption,
  TooltipComponentOption,
} from 'echarts/components';
import { use, type ComposeOption } from 'echarts/core';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';

use([
  CanvasRenderer,
  SVGRenderer,
  BarChart,
  LineChart,
  PieChart,
  RadarChart,
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  MarkPointComponent,
  RadarComponent,
  TooltipComponent,
]);

export type ChartOption = ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | PieSeriesOption
  | RadarSeriesOption
  | GridComponentOption
  | LegendComponentOption
  | MarkLineComponentOption
  | MarkPointComponentOption
  | RadarComponentOption
  | TooltipComponentOption
>;

/** Colours of chart furniture on the dashboard's dark background (see styles.css). */
export const CHART_TEXT = '#c9d1dc';
export const CHART_MUTED = '#8a94a6';
export const CHART_GRID = '#2a3444';
/** The panels' background (styles.css's --panel). */
export const CHART_PANEL = '#121a25';
/** Good and bad news (styles.css's --good and --bad). */
export const CHART_GOOD = '#37d399';
export const CHART_BAD = '#ff6b6b';

/** What every chart shares: dark-background text, tooltips, update animation for live values. */
export const BASE_OPTION: ChartOption = {
  backgroundColor: 'transparent',
  textStyle: { color: CHART_TEXT, fontFamily: 'inherit' },
  aria: { enabled: true },
  animationDurationUpdate: 600,
  animationEasingUpdate: 'cubicOut',
  tooltip: {
    backgroundColor: '#151b26',
    borderColor: CHART_GRID,
    textStyle: { color: CHART_TEXT },
  },
};
