import { describe, expect, it } from 'vitest';
import { driversLine } from '../../../web/src/lib/alerts.js';
import { forecastHiddenBy } from '../../../web/src/lib/forecast-scope.js';
import { wallForecastHorizon, wallGrain } from '../../../web/src/lib/wall.js';

describe('the wall’s forecast horizon', () => {
  it('forecasts a quarter of what a chart shows, at the grain of the live series', () => {
    expect(wallGrain('24h')).toBe('hour');
    expect(wallGrain('today')).toBe('hour');
    expect(wallGrain('28d')).toBe('day');
    expect(wallForecastHorizon('24h')).toBe(6);
    expect(wallForecastHorizon('28d')).toBe(7);
  });

  it('keeps at least two buckets and no more than the API’s default horizon', () => {
    expect(wallForecastHorizon('1h')).toBe(2);
    expect(wallForecastHorizon('7d')).toBe(2);
    expect(wallForecastHorizon('90d')).toBe(14);
    expect(wallForecastHorizon('ytd')).toBe(14);
  });
});

describe('when the explorer leaves the forecast out', () => {
  const chart = { grain: 'hour' as const, touchpoint: '', source: '', brands: [], own: 'acme' };

  it('draws it over all sources and touchpoints, the own brand shown, hourly or daily', () => {
    expect(forecastHiddenBy(chart)).toBeNull();
    expect(forecastHiddenBy({ ...chart, grain: 'day', brands: ['acme', 'globex'] })).toBeNull();
  });

  it('says why it is not drawn: a slice, the own brand unticked, weeks', () => {
    expect(forecastHiddenBy({ ...chart, touchpoint: 'social' })).toBe('slice');
    expect(forecastHiddenBy({ ...chart, source: 'x', brands: ['globex'] })).toBe('slice');
    expect(forecastHiddenBy({ ...chart, brands: ['globex'] })).toBe('brand');
    expect(forecastHiddenBy({ ...chart, grain: 'week' })).toBe('week');
  });

  it('leaves both out for the Digital Performance Index, whose parts have them, and says so', () => {
    expect(forecastHiddenBy({ ...chart, index: true })).toBe('index');
    expect(forecastHiddenBy({ ...chart, index: false })).toBeNull();
  });
});

describe('the drivers of an anomaly alert', () => {
  const words = {
    percent: (share: number) => `${Math.round(share * 100)} %`,
    touchpoint: (id: string) => ({ social: 'Social', search: 'Search' })[id] ?? id,
    brand: (id: string) => ({ globex: 'Globex' })[id] ?? id,
  };

  it('reads the largest first, on one line, with the brand that moved a share', () => {
    const line = driversLine(
      [
        { source: 'google', touchpoint: 'search', share: 0.15 },
        { source: 'x', touchpoint: 'social', share: 0.8 },
        { source: 'tiktok', touchpoint: 'viral', brand: 'globex', share: 0.05 },
      ],
      words,
    );
    expect(line).toBe('80 % x / Social · 15 % google / Search · 5 % tiktok / viral (Globex)');
  });

  it('keeps the three largest', () => {
    const many = [0.4, 0.3, 0.2, 0.1].map((share, i) => ({ source: `s${i}`, touchpoint: 'social', share }));
    expect(driversLine(many, words).split(' · ')).toHaveLength(3);
    expect(driversLine([], words)).toBe('');
  });
});
