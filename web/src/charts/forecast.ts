// The forecast drawn after a KPI series: the mean as a dashed line, the 80 % and 95 % intervals as
// shaded bands. ECharts has no band series, so each band is a stack of two lines: an invisible lower
// bound, then the width of the interval, its area filled down to the bound.
import type { LineSeriesOption } from 'echarts/charts';
import type { ForecastPoint, KpiForecast } from '../../../shared/schemas/forecast.js';

const STEP_MS = { hour: 3_600_000, day: 86_400_000 } as const;

/** Ids of the forecast's series; only the mean's shows in the tooltip. */
export const FORECAST_IDS = {
  mean: 'forecast:mean',
  lo95: 'forecast:lo95',
  band95: 'forecast:band95',
  lo80: 'forecast:lo80',
  band80: 'forecast:band80',
  join: 'forecast:join',
} as const;

/**
 * The points after the chart's last bucket, or none when they would not continue it: another grain,
 * or a chart that ends too long before the forecast starts (a past custom period).
 */
export function pointsAfter(forecast: KpiForecast, grain: string, lastBucketMs: number): ForecastPoint[] {
  if (forecast.grain !== grain || !(grain in STEP_MS)) return [];
  const step = STEP_MS[grain as keyof typeof STEP_MS];
  const after = forecast.points.filter((p) => Date.parse(p.bucket) > lastBucketMs);
  // 1.5 steps: a day across a DST change lasts 23 or 25 hours.
  if (after.length === 0 || Date.parse(after[0]!.bucket) > lastBucketMs + 1.5 * step) return [];
  return after;
}

/**
 * The five line series of a forecast, all under one legend name (toggling it hides the lot): the
 * mean first, so that the legend takes its colour, then the 95 % band, then the narrower 80 % one
 * drawn over it (the two areas add up to a darker core).
 */
export function forecastSeries(
  points: readonly ForecastPoint[],
  options: {
    name: string;
    color: string;
    /**
     * The brand's last drawn point [x, y]: the mean line starts from it, so that the forecast reads
     * as the line's continuation rather than a block a bucket away (the bands start with the forecast).
     */
    from?: readonly [number, number | null] | undefined;
  },
): LineSeriesOption[] {
  if (points.length === 0) return [];
  const t = points.map((p) => Date.parse(p.bucket));
  const { name, color } = options;
  const from = options.from;
  const hidden = {
    type: 'line' as const,
    name,
    color,
    showSymbol: false,
    symbol: 'none',
    silent: true,
    // Stacked on the lower bound whatever the signs (the default stacks only values of one sign).
    stackStrategy: 'all' as const,
    lineStyle: { opacity: 0 },
    tooltip: { show: false },
    emphasis: { disabled: true },
    z: 1,
  };
  return [
    {
      type: 'line',
      id: FORECAST_IDS.mean,
      name,
      color,
      showSymbol: false,
      z: 9,
      lineStyle: { type: 'dashed', width: 2 },
      emphasis: { focus: 'series' },
      data: points.map((p, i) => [t[i]!, p.mean]),
    },
    { ...hidden, id: FORECAST_IDS.lo95, stack: 'forecast95', data: points.map((p, i) => [t[i]!, p.lo95]) },
    {
      ...hidden,
      id: FORECAST_IDS.band95,
      stack: 'forecast95',
      areaStyle: { color, opacity: 0.14 },
      data: points.map((p, i) => [t[i]!, p.hi95 - p.lo95]),
    },
    { ...hidden, id: FORECAST_IDS.lo80, stack: 'forecast80', data: points.map((p, i) => [t[i]!, p.lo80]) },
    {
      ...hidden,
      id: FORECAST_IDS.band80,
      stack: 'forecast80',
      areaStyle: { color, opacity: 0.22 },
      data: points.map((p, i) => [t[i]!, p.hi80 - p.lo80]),
    },
    // Out of the tooltip: at the last bucket it would name the brand's own value a forecast.
    ...(from && from[1] !== null && from[0] < t[0]!
      ? [
          {
            type: 'line' as const,
            id: FORECAST_IDS.join,
            name,
            color,
            showSymbol: false,
            silent: true,
            z: 9,
            lineStyle: { type: 'dashed' as const, width: 2 },
            tooltip: { show: false },
            emphasis: { disabled: true },
            data: [
              [from[0], from[1]],
              [t[0]!, points[0]!.mean],
            ],
          },
        ]
      : []),
  ];
}
