// @vitest-environment happy-dom
// The forecast and anomaly history the charts ask for, against a stubbed transport (no hub).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope, ref } from 'vue';
import type { AnomalyHistory, AnomalyRow } from '../../../shared/schemas/anomalies.js';
import type { KpiForecast } from '../../../shared/schemas/forecast.js';
import { useAnomalyHistory, type AnomalyHistoryParams } from '../../../web/src/composables/useAnomalies.js';
import { setFetch } from '../../../web/src/composables/useApi.js';
import { useForecast, type ForecastParams } from '../../../web/src/composables/useForecast.js';

const HOUR = 3_600_000;
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const notEnough = () =>
  json(422, {
    error: {
      code: 'not_enough_history',
      message: 'An hourly forecast of net_sentiment for acme needs at least 48 hours of data; there are 3.',
      hint: 'Send more history.',
    },
  });
const forecastOf = (p: { kpi: string; brand: string; grain: string }, fittedAt: string): KpiForecast => ({
  ...p,
  model: 'seasonal-naive',
  fittedAt,
  history: 72,
  backtest: null,
  points: [{ bucket: fittedAt, mean: 1, lo80: 0, hi80: 2, lo95: -1, hi95: 3 }],
});

let asked: string[] = [];
let answer: (url: URL) => Response = () => json(500, {});

beforeEach(() => {
  asked = [];
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  // 10:59:30 UTC: the hour turns in half a minute.
  vi.setSystemTime(Date.parse('2025-03-10T10:59:30.000Z'));
  setFetch(async (input) => {
    asked.push(input);
    return answer(new URL(input, 'http://hub.test'));
  });
});

afterEach(() => {
  vi.useRealTimers();
  setFetch((input, init) => fetch(input, init));
});

describe('the forecast of a wall chart', () => {
  const params = ref<ForecastParams | null>({
    workspace: 'demo',
    kpi: 'net_sentiment',
    brand: 'acme',
    grain: 'hour',
    horizon: 7,
  });

  function start() {
    const scope = effectScope();
    const resource = scope.run(() => useForecast(params, { delayAfterHourMs: () => 10_000 }))!;
    return { ...resource, stop: () => scope.stop() };
  }

  it('asks once, and again only a little after the hour turns', async () => {
    answer = () =>
      json(200, forecastOf({ kpi: 'net_sentiment', brand: 'acme', grain: 'hour' }, new Date().toISOString()));
    const f = start();
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toEqual([
      '/api/v1/workspaces/demo/kpis/net_sentiment/forecast?brand=acme&grain=hour&horizon=7',
    ]);
    expect(f.forecast.value?.fittedAt).toBe('2025-03-10T10:59:30.000Z');

    await vi.advanceTimersByTimeAsync(39_000);
    expect(asked, 'the hour turned, but the 10 s spread has not passed yet').toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(asked).toHaveLength(2);
    expect(f.forecast.value?.fittedAt).toBe('2025-03-10T11:00:10.000Z');
    await vi.advanceTimersByTimeAsync(HOUR - 1_000);
    expect(asked).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(asked).toHaveLength(3);
    f.stop();
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    expect(asked, 'nothing is asked once the chart is gone').toHaveLength(3);
  });

  it('has no forecast and only "not enough history" to say while the KPI is young', async () => {
    answer = notEnough;
    const f = start();
    await vi.advanceTimersByTimeAsync(0);
    expect(f.forecast.value).toBeNull();
    expect(f.notEnoughHistory.value).toBe(true);
    expect(f.error.value?.status).toBe(422);

    // An hour later there is enough: the band appears without a reload.
    answer = () =>
      json(200, forecastOf({ kpi: 'net_sentiment', brand: 'acme', grain: 'hour' }, '2025-03-10T11:00:00Z'));
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(f.forecast.value).not.toBeNull();
    expect(f.error.value).toBeNull();
    expect(f.notEnoughHistory.value).toBe(false);
    f.stop();
  });

  it('shows no forecast of other params while the new one loads (a window changed to days)', async () => {
    answer = (url) =>
      json(
        200,
        forecastOf(
          { kpi: 'net_sentiment', brand: 'acme', grain: url.searchParams.get('grain')! },
          '2025-03-10T10:00:00Z',
        ),
      );
    const f = start();
    await vi.advanceTimersByTimeAsync(0);
    expect(f.forecast.value?.grain).toBe('hour');
    answer = () => notEnough();
    params.value = { ...params.value!, grain: 'day', horizon: 3 };
    expect(f.forecast.value, 'the hourly forecast does not continue a daily chart').toBeNull();
    await vi.advanceTimersByTimeAsync(0);
    expect(f.notEnoughHistory.value).toBe(true);
    params.value = null;
    expect(f.forecast.value).toBeNull();
    expect(f.error.value).toBeNull();
    f.stop();
    params.value = { workspace: 'demo', kpi: 'net_sentiment', brand: 'acme', grain: 'hour', horizon: 7 };
  });
});

describe('the anomaly history of a chart', () => {
  const row = (brand: string, bucket: string): AnomalyRow => ({
    brand,
    kpi: 'mentions',
    bucket,
    value: 90,
    expected: 30,
    lo: 20,
    hi: 40,
    score: 2,
    direction: 'up',
  });
  const params = (brands: string[]): AnomalyHistoryParams => ({
    workspace: 'demo',
    kpi: 'mentions',
    grain: 'hour',
    brands,
    from: '2025-03-09T11:00:00.000Z',
    to: '2025-03-10T11:00:00.000Z',
  });

  function start(p: AnomalyHistoryParams | null) {
    const scope = effectScope();
    const resource = scope.run(() => useAnomalyHistory(p, { retryMs: () => 2_000 }))!;
    return { ...resource, stop: () => scope.stop() };
  }

  it('asks for each brand of the chart over its period', async () => {
    answer = (url) => {
      const brand = url.searchParams.get('brand')!;
      return json(200, {
        complete: true,
        rows: [row(brand, '2025-03-10T08:00:00.000Z')],
      } satisfies AnomalyHistory);
    };
    const h = start(params(['acme', 'globex']));
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toEqual([
      '/api/v1/workspaces/demo/anomalies?kpi=mentions&brand=acme&grain=hour&from=2025-03-09T11%3A00%3A00.000Z&to=2025-03-10T11%3A00%3A00.000Z',
      '/api/v1/workspaces/demo/anomalies?kpi=mentions&brand=globex&grain=hour&from=2025-03-09T11%3A00%3A00.000Z&to=2025-03-10T11%3A00%3A00.000Z',
    ]);
    expect(h.rows.value.map((r) => r.brand).sort()).toEqual(['acme', 'globex']);
    expect(h.complete.value).toBe(true);
    h.stop();
  });

  it('asks again a little later while the history is still being computed, keeping what came', async () => {
    let calls = 0;
    answer = () => {
      calls++;
      return calls === 1
        ? json(200, { complete: false, rows: [row('acme', '2025-03-10T08:00:00.000Z')] })
        : json(200, {
            complete: true,
            rows: [row('acme', '2025-03-10T08:00:00.000Z'), row('acme', '2025-03-10T09:00:00.000Z')],
          });
    };
    const h = start(params(['acme']));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.rows.value).toHaveLength(1);
    expect(h.complete.value).toBe(false);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(asked).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(asked).toHaveLength(2);
    expect(h.rows.value).toHaveLength(2);
    expect(h.complete.value).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(asked, 'a complete history is not asked again').toHaveLength(2);
    h.stop();
  });

  it('marks nothing and says nothing on a hub without the route (404)', async () => {
    answer = () => json(404, { error: { code: 'not_found', message: 'Route GET /api/v1/… not found' } });
    const h = start(params(['acme']));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.rows.value).toEqual([]);
    expect(h.error.value).toBeNull();
    expect(h.complete.value).toBe(true);
    h.stop();
  });

  it('keeps another failure to say under the chart', async () => {
    answer = () => json(500, { error: { code: 'internal', message: 'The hub failed.', hint: 'Retry.' } });
    const h = start(params(['acme']));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.error.value?.message).toBe('The hub failed.');
    expect(h.complete.value).toBe(false);
    h.stop();
  });

  it('stops asking once the chart is gone', async () => {
    answer = () => json(200, { complete: false, rows: [] });
    const h = start(params(['acme']));
    await vi.advanceTimersByTimeAsync(0);
    h.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(asked).toHaveLength(1);
    expect(start(null).rows.value).toEqual([]);
  });
});
