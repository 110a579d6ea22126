import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KPIS } from '../../shared/kpis.js';
import type { Benchmark, DpiWeights, KpiSeries } from '../../shared/schemas/kpi.js';
import { event, postEvents, putWorkspace, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const WINDOW = 'from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z';

const ev = event;

beforeAll(async () => {
  server = await startServer();
  await putWorkspace(server.url, 'dpi');
  const rows = [
    ev('acme', 'search', 'google', 'clicks', 30),
    ev('acme', 'search', 'google', 'impressions', 300),
    ev('globex', 'search', 'google', 'clicks', 10),
    ev('globex', 'search', 'google', 'impressions', 50),
    ev('initech', 'search', 'google', 'clicks', 20),
    ev('initech', 'search', 'google', 'impressions', 400),
    ev('acme', 'search', 'google', 'avg_position', 3),
    ev('globex', 'search', 'google', 'avg_position', 1),
    ev('initech', 'search', 'google', 'avg_position', 2),
    ev('acme', 'social', 'x', 'mentions', 5),
    ev('globex', 'social', 'x', 'mentions', 15),
  ];
  expect((await postEvents(server.url, 'dpi', JSON.stringify(rows), 'application/json')).status).toBe(200);
});
afterAll(async () => {
  await server.close();
});

async function benchmark(kpi: string): Promise<Benchmark> {
  const response = await fetch(`${server.url}/api/v1/workspaces/dpi/benchmark?kpi=${kpi}&${WINDOW}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Benchmark;
}

/** The min–max score of each brand on one KPI, from its benchmark values. */
async function scores(kpi: string): Promise<Map<string, number>> {
  const { rows } = await benchmark(kpi);
  const lower = KPIS.find((k) => k.id === kpi)!.direction === 'lower';
  const present = rows.filter((r) => r.value !== null) as { brand: string; value: number }[];
  const min = Math.min(...present.map((r) => r.value));
  const max = Math.max(...present.map((r) => r.value));
  return new Map(
    present.map((r) => {
      const s = max === min ? 100 : (100 * (r.value - min)) / (max - min);
      return [r.brand, lower && max !== min ? 100 - s : s];
    }),
  );
}

describe('the Digital Performance Index', () => {
  it('dpi_search is the mean of the search KPIs’ set scores, ranked like any KPI', async () => {
    const searchKpis = KPIS.filter((k) => k.group === 'search').map((k) => k.id);
    const perKpi = await Promise.all(searchKpis.map(scores));
    const dpi = await benchmark('dpi_search');
    for (const row of dpi.rows) {
      const own = perKpi.map((s) => s.get(row.brand)).filter((s): s is number => s !== undefined);
      expect(row.value, row.brand).toBeCloseTo(own.reduce((a, b) => a + b, 0) / own.length, 9);
    }
    // globex and initech both score 50 on search here: they share rank 2.
    expect(dpi.rows.map((r) => r.rank)).toEqual([1, 2, 2]);
    expect(dpi.rows.every((r) => r.share === null)).toBe(true);
  });

  it('the overall DPI averages the touchpoints a brand has scores on', async () => {
    const [search, media, overall] = await Promise.all([
      benchmark('dpi_search'),
      benchmark('dpi_media'),
      benchmark('dpi'),
    ]);
    const value = (b: Benchmark, brand: string) => b.rows.find((r) => r.brand === brand)!.value;
    expect(value(overall, 'acme')).toBeCloseTo((value(search, 'acme')! + value(media, 'acme')!) / 2, 9);
    // initech has no mentions: its overall DPI is its search score alone.
    expect(value(media, 'initech')).toBeNull();
    expect(value(overall, 'initech')).toBeCloseTo(value(search, 'initech')!, 9);
  });

  it('has a series per day whose points equal the benchmark of each day', async () => {
    const response = await fetch(
      `${server.url}/api/v1/workspaces/dpi/kpis/dpi/series?grain=day&from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z`,
    );
    expect(response.status).toBe(200);
    const series = (await response.json()) as KpiSeries;
    expect(series.buckets).toEqual(['2026-03-10T00:00:00+00:00']);
    const day = await benchmark('dpi');
    for (const s of series.series) {
      expect(s.values[0], s.brand).toBe(day.rows.find((r) => r.brand === s.brand)!.value);
    }
    const tooLong = await fetch(
      `${server.url}/api/v1/workspaces/dpi/kpis/dpi/series?grain=hour&from=2026-03-01T00:00:00Z&to=2026-03-11T00:00:00Z`,
    );
    expect(tooLong.status).toBe(400);
  });

  it('weights are stored per workspace: a KPI weighted 0 leaves the score', async () => {
    const defaults = (await (
      await fetch(`${server.url}/api/v1/workspaces/dpi/dpi-weights`)
    ).json()) as DpiWeights;
    expect(defaults.touchpoints).toEqual({ search: 1, site: 1, social: 1, media: 1, viral: 1 });
    expect(defaults.kpis.ctr).toBe(1);
    const onlyCtr = Object.fromEntries(KPIS.map((k) => [k.id, k.id === 'ctr' ? 2 : 0]));
    const put = await fetch(`${server.url}/api/v1/workspaces/dpi/dpi-weights`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ touchpoints: { viral: 0 }, kpis: onlyCtr }),
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as DpiWeights).touchpoints).toMatchObject({ search: 1, viral: 0 });
    const ctr = await scores('ctr');
    const dpi = await benchmark('dpi_search');
    for (const row of dpi.rows) expect(row.value, row.brand).toBeCloseTo(ctr.get(row.brand)!, 9);
  });

  it('refuses unknown KPIs or touchpoints in the weights, and all-zero touchpoints', async () => {
    const put = (body: object) =>
      fetch(`${server.url}/api/v1/workspaces/dpi/dpi-weights`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const unknown = await put({ touchpoints: { tv: 1 }, kpis: { nope: 1 } });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(
      /touchpoint "tv", KPI "nope"/,
    );
    const zero = await put({ touchpoints: { search: 0, site: 0, social: 0, media: 0, viral: 0 }, kpis: {} });
    expect(zero.status).toBe(400);
  });
});
