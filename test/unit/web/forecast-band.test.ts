import { describe, expect, it } from 'vitest';
import type { KpiForecast } from '../../../shared/schemas/forecast.js';
import { FORECAST_IDS, forecastSeries, pointsAfter } from '../../../web/src/charts/forecast.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2025-03-10T12:00:00.000Z');
const point = (i: number, mean: number) => ({
  bucket: new Date(T0 + i * HOUR).toISOString(),
  mean,
  lo80: mean - 2,
  hi80: mean + 3,
  lo95: mean - 5,
  hi95: mean + 7,
});
const forecast = (grain = 'hour'): KpiForecast => ({
  kpi: 'mentions',
  brand: 'acme',
  grain,
  model: 'seasonal-naive',
  fittedAt: new Date(T0).toISOString(),
  history: 48,
  backtest: null,
  points: [point(0, 10), point(1, 1), point(2, 12)],
});

describe('forecast points after the chart', () => {
  it('keeps the points after the last bucket', () => {
    expect(pointsAfter(forecast(), 'hour', T0).map((p) => p.mean)).toEqual([1, 12]);
    expect(pointsAfter(forecast(), 'hour', T0 - HOUR)).toHaveLength(3);
  });

  it('draws nothing that would not continue the chart: another grain, or a chart ending long before', () => {
    expect(pointsAfter(forecast(), 'day', T0)).toEqual([]);
    expect(pointsAfter(forecast('week'), 'week', T0)).toEqual([]);
    expect(pointsAfter(forecast(), 'hour', T0 - 5 * HOUR)).toEqual([]);
    expect(pointsAfter(forecast(), 'hour', T0 + 2 * HOUR)).toEqual([]);
  });
});

describe('forecast band series', () => {
  const lines = forecastSeries(forecast().points, { name: 'Forecast (80 % / 95 %)', color: '#f00' });
  const byId = new Map(lines.map((l) => [l.id, l]));

  it('is the dashed mean first (the legend takes its colour), then two stacked bands, one legend name', () => {
    expect(lines.map((l) => l.id)).toEqual([
      FORECAST_IDS.mean,
      FORECAST_IDS.lo95,
      FORECAST_IDS.band95,
      FORECAST_IDS.lo80,
      FORECAST_IDS.band80,
    ]);
    expect(new Set(lines.map((l) => l.name))).toEqual(new Set(['Forecast (80 % / 95 %)']));
    expect(lines.every((l) => l.color === '#f00')).toBe(true);
    expect(byId.get(FORECAST_IDS.mean)!.lineStyle).toMatchObject({ type: 'dashed' });
    expect(byId.get(FORECAST_IDS.mean)!.data).toEqual([
      [T0, 10],
      [T0 + HOUR, 1],
      [T0 + 2 * HOUR, 12],
    ]);
  });

  it('stacks the width of each interval on its invisible lower bound, whatever the signs', () => {
    const lo95 = byId.get(FORECAST_IDS.lo95)!;
    const band95 = byId.get(FORECAST_IDS.band95)!;
    expect(lo95.stack).toBe('forecast95');
    expect(band95.stack).toBe('forecast95');
    expect(lo95.areaStyle).toBeUndefined();
    expect(lo95.lineStyle).toMatchObject({ opacity: 0 });
    expect(band95.areaStyle).toMatchObject({ color: '#f00' });
    // 1 − 5 is negative: the stack must add it anyway.
    expect(lo95.data).toEqual([
      [T0, 5],
      [T0 + HOUR, -4],
      [T0 + 2 * HOUR, 7],
    ]);
    expect((band95.data as number[][]).map(([, w]) => w)).toEqual([12, 12, 12]);
    expect(lines.filter((l) => l.stack).every((l) => l.stackStrategy === 'all')).toBe(true);
    expect((byId.get(FORECAST_IDS.band80)!.data as number[][]).map(([, w]) => w)).toEqual([5, 5, 5]);
    expect(byId.get(FORECAST_IDS.lo80)!.stack).toBe('forecast80');
  });

  it('joins the brand’s last point to the forecast’s first with a dashed line, out of the tooltip', () => {
    const joined = forecastSeries(forecast().points, { name: 'x', color: '#f00', from: [T0 - HOUR, 4] });
    const join = joined.find((l) => l.id === FORECAST_IDS.join)!;
    expect(join.data).toEqual([
      [T0 - HOUR, 4],
      [T0, 10],
    ]);
    expect(join).toMatchObject({ name: 'x', lineStyle: { type: 'dashed' }, tooltip: { show: false } });
    // No value there, or a point that is not before the forecast: nothing to join.
    for (const from of [
      [T0 - HOUR, null],
      [T0, 4],
    ] as const)
      expect(forecastSeries(forecast().points, { name: 'x', color: '#f00', from })).toHaveLength(5);
  });

  it('keeps the bands out of the tooltip and draws nothing without points', () => {
    expect(lines.slice(1).every((l) => (l.tooltip as { show?: boolean }).show === false)).toBe(true);
    expect(forecastSeries([], { name: 'x', color: '#f00' })).toEqual([]);
  });
});
