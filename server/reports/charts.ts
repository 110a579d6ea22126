// A report's charts: the dashboard's chart option (shared/charts/kpi-lines.ts) drawn by ECharts'
// server-side SVG renderer and turned into PNG by resvg (mail clients such as Gmail show no SVG).
// Drawn on the dashboard's dark panel, so a chart reads as it does on screen whatever the mail
// client's theme. Runs on the render worker (render-pool.ts), off the hub's event loop.
import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import { kpiLines } from '../../shared/charts/kpi-lines.js';
import { formatDate, formatValue } from '../../shared/format.js';
import { brandColor, brandPalette, type BrandLike } from '../../shared/palette.js';
import type { ChartData } from './document.js';
import { FONT_FAMILY, reportFont } from './fonts.js';
import { opaquePng } from './png.js';
import type { Words } from './words.js';

/** The chart's size in CSS pixels in the mail; the PNG has twice as many for sharp screens. */
export const CHART_WIDTH = 600;
export const CHART_HEIGHT = 280;

const PANEL = '#121a25';
const TEXT = '#c9d1dc';
const MUTED = '#8a94a6';
const GRID = '#2a3444';

export interface RenderedChart {
  kpi: string;
  png: Buffer;
  alt: string;
}

/** The ECharts option of one report chart (exported for the test that compares it with the web's). */
export function chartOption(brands: readonly BrandLike[], chart: ChartData, say: Words, timeZone: string) {
  const palette = brandPalette(brands);
  const base = kpiLines({
    series: chart.series,
    unit: chart.kpi.unit,
    color: (brand) => brandColor(palette, brand),
    formatValue: (v) => formatValue(v, chart.kpi.unit, say.locale, { compact: true }),
    formatTime: (ms) => formatDate(ms, say.locale, 'day', timeZone),
    muted: MUTED,
    grid: GRID,
    direction: chart.kpi.direction,
  });
  return {
    ...base,
    animation: false,
    backgroundColor: PANEL,
    textStyle: { color: TEXT, fontFamily: FONT_FAMILY },
    title: {
      text: chart.kpi.label,
      left: 12,
      top: 8,
      textStyle: { color: TEXT, fontSize: 14, fontWeight: 'bold' },
    },
    // Under the title, not beside it: six brands' names need the whole width.
    legend: {
      ...base.legend,
      top: 32,
      left: 12,
      right: 12,
      textStyle: { color: MUTED, fontFamily: FONT_FAMILY },
    },
    grid: { ...base.grid, left: 12, right: 28, top: 62, bottom: 12 },
  };
}

/** Words for a chart one cannot see: each brand's last value over the period. */
function altText(chart: ChartData, say: Words, period: string): string {
  const lines = chart.series.series.map((s) => {
    const last = s.values.findLast((v) => v !== null) ?? null;
    return `${s.name} ${formatValue(last, chart.kpi.unit, say.locale)}`;
  });
  return say.chartAlt(chart.kpi.label, period, lines.join(', '));
}

export function renderCharts(
  brands: readonly BrandLike[],
  charts: readonly ChartData[],
  say: Words,
  timeZone: string,
  period: string,
): RenderedChart[] {
  const font = reportFont();
  const out: RenderedChart[] = [];
  for (const chart of charts) {
    const instance = echarts.init(null, null, {
      renderer: 'svg',
      ssr: true,
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
    });
    let svg: string;
    try {
      instance.setOption(chartOption(brands, chart, say, timeZone) as echarts.EChartsCoreOption);
      svg = instance.renderToSVGString();
    } finally {
      instance.dispose();
    }
    // On the calling thread (the render worker, niced), not on libuv's pool beside DuckDB's reads.
    const image = new Resvg(svg, {
      fitTo: { mode: 'width', value: CHART_WIDTH * 2 },
      font: { loadSystemFonts: false, fontFiles: [font], defaultFontFamily: FONT_FAMILY },
    }).render();
    out.push({
      kpi: chart.kpi.id,
      png: opaquePng(image.pixels, image.width, image.height),
      alt: altText(chart, say, period),
    });
  }
  return out;
}
