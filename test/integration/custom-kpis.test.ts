import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KPIS } from '../../shared/kpis.js';
import type { Benchmark, KpiCatalogue, KpiSeries } from '../../shared/schemas/kpi.js';
import type { ObjectiveList } from '../../shared/schemas/objectives.js';
import { event, postEvents, putWorkspace, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const WINDOW = 'from=2026-03-10T00:00:00Z&to=2026-03-12T00:00:00Z';
const ev = event;

const put = (id: string, body: object) =>
  fetch(`${server.url}/api/v1/workspaces/ck/kpis/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const values = async (kpi: string) => {
  const response = await fetch(`${server.url}/api/v1/workspaces/ck/benchmark?kpi=${kpi}&${WINDOW}`);
  expect(response.status).toBe(200);
  return Object.fromEntries(((await response.json()) as Benchmark).rows.map((r) => [r.brand, r.value]));
};

beforeAll(async () => {
  server = await startServer();
  await putWorkspace(server.url, 'ck');
  const rows = [
    ev('acme', 'search', 'google', 'clicks', 30),
    ev('acme', 'search', 'google', 'impressions', 300),
    ev('globex', 'search', 'google', 'clicks', 10),
    ev('globex', 'search', 'bing', 'impressions', 50),
    ev('acme', 'media', 'press', 'mentions', 7),
    ev('acme', 'media', 'blogs', 'mentions', 5),
    ev('globex', 'media', 'press', 'mentions', 2, '2026-03-11T09:00:00Z'),
    ev('acme', 'social', 'x', 'engagements', 50),
    ev('acme', 'social', 'x', 'followers', 1000, '2026-03-09T10:00:00Z'),
  ];
  expect((await postEvents(server.url, 'ck', JSON.stringify(rows), 'application/json')).status).toBe(200);
});
afterAll(async () => {
  await server.close();
});

describe('custom KPIs', () => {
  it('a formula equal to a catalogue KPI gives the same values', async () => {
    const response = await put('my_ctr', {
      label: 'My CTR',
      formula: 'sum(clicks) / sum(impressions)',
      unit: 'percent',
      direction: 'higher',
    });
    expect(response.status).toBe(200);
    expect(await values('my_ctr')).toEqual(await values('ctr'));
    expect((await values('my_ctr')).acme).toBe(0.1);
  });

  it('filters aggregates by source, mixes sums and levels, and says null when data is missing', async () => {
    expect(
      (
        await put('press', {
          label: 'Press',
          formula: 'sum(mentions where source = "press")',
          unit: 'count',
          direction: 'higher',
        })
      ).status,
    ).toBe(200);
    expect(await values('press')).toEqual({ acme: 7, globex: 2, initech: null });
    await put('epf', {
      label: 'Eng/follower',
      formula: '1000 * sum(engagements) / last(followers)',
      unit: 'index',
      direction: 'higher',
    });
    expect((await values('epf')).acme).toBe(50);
    expect((await values('epf')).globex).toBeNull();
  });

  it('works in KPI series, per bucket', async () => {
    const response = await fetch(`${server.url}/api/v1/workspaces/ck/kpis/press/series?grain=day&${WINDOW}`);
    const series = (await response.json()) as KpiSeries;
    expect(series.buckets).toEqual(['2026-03-10T00:00:00+00:00', '2026-03-11T00:00:00+00:00']);
    expect(series.series.find((s) => s.brand === 'acme')!.values).toEqual([7, null]);
    expect(series.series.find((s) => s.brand === 'globex')!.values).toEqual([null, 2]);
  });

  it('works in objectives and can be weighted into the DPI', async () => {
    await fetch(`${server.url}/api/v1/workspaces/ck/objectives/press-goal`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        kpi: 'press',
        period: { from: '2026-03-10T00:00:00Z', to: '2026-03-12T00:00:00Z' },
        target: 10,
        direction: 'at_least',
      }),
    });
    const objectives = (await (
      await fetch(`${server.url}/api/v1/workspaces/ck/objectives?at=2026-03-11T23:59:00Z`)
    ).json()) as ObjectiveList;
    expect(objectives.rows[0]).toMatchObject({ kpi: 'press', current: 7, expected: 10, status: 'off_track' });
    const weights = {
      touchpoints: {},
      kpis: { ...Object.fromEntries(KPIS.map((k) => [k.id, 0])), press: 1 },
    };
    expect(
      (
        await fetch(`${server.url}/api/v1/workspaces/ck/dpi-weights`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(weights),
        })
      ).status,
    ).toBe(200);
    // press: acme 7 → 100, globex 2 → 0 (min–max), initech has none.
    expect(await values('dpi_media')).toEqual({ acme: 100, globex: 0, initech: null });
  });

  it('are listed with their formula, and deleted', async () => {
    const catalogue = (await (await fetch(`${server.url}/api/v1/workspaces/ck/kpis`)).json()) as KpiCatalogue;
    expect(catalogue.rows.find((k) => k.id === 'press')).toMatchObject({
      formula: { kind: 'custom', metrics: 'mentions', text: 'sum(mentions where source = "press")' },
      touchpoints: ['social', 'media', 'viral'],
    });
    expect((await fetch(`${server.url}/api/v1/workspaces/ck/kpis/my_ctr`, { method: 'DELETE' })).status).toBe(
      204,
    );
    const gone = await fetch(`${server.url}/api/v1/workspaces/ck/benchmark?kpi=my_ctr&${WINDOW}`);
    expect(gone.status).toBe(400);
  });

  it('refuses a formula that does not parse, reads an unknown metric or the wrong aggregate, or a catalogue id', async () => {
    const error = async (id: string, formula: string) => {
      const response = await put(id, { label: 'x', formula, unit: 'count', direction: 'higher' });
      expect(response.status).toBe(400);
      return ((await response.json()) as { error: { code: string; message: string } }).error;
    };
    expect(await error('bad', 'sum(clicks) /')).toEqual(
      expect.objectContaining({ code: 'invalid_formula', message: expect.stringMatching(/at position 14/) }),
    );
    expect((await error('bad', 'sum(clickz)')).message).toMatch(/metric "clickz"/);
    expect((await error('bad', 'last(clicks)')).message).toMatch(/"clicks" is a counter/);
    expect((await error('ctr', 'sum(clicks)')).message).toMatch(/KPI of the catalogue/);
  });
});
