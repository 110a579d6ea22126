// Which touchpoints and sources have data for a KPI over a window: the explorer offers those and
// greys the others, instead of answering a pick with empty charts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KpiCoverage } from '../../shared/schemas/kpi.js';
import { event, postEvents, putWorkspace, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const WS = 'cov';

beforeAll(async () => {
  server = await startServer();
  await putWorkspace(server.url, WS);
  const rows = [
    event('acme', 'social', 'x', 'mentions', 5, '2026-03-10T10:00:00Z'),
    event('globex', 'media', 'press', 'mentions', 2, '2026-03-10T11:00:00Z'),
    // Outside the window asked below.
    event('acme', 'viral', 'tiktok', 'mentions', 9, '2026-03-01T10:00:00Z'),
    // Another metric: no data for mentions.
    event('acme', 'social', 'instagram', 'engagements', 40, '2026-03-10T10:00:00Z'),
  ];
  expect((await postEvents(server.url, WS, JSON.stringify(rows), 'application/json')).status).toBe(200);
});
afterAll(async () => {
  await server.close();
});

async function coverage(kpi: string, query: string): Promise<KpiCoverage> {
  const response = await fetch(`${server.url}/api/v1/workspaces/${WS}/kpis/${kpi}/coverage?${query}`);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as KpiCoverage;
}

describe('a KPI’s coverage', () => {
  it('lists the sources that sent its metrics inside the window, any brand', async () => {
    const got = await coverage('mentions', 'from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z');
    expect(got.touchpoints).toEqual(['media', 'social']);
    expect(got.sources).toEqual([
      { touchpoint: 'media', source: 'press' },
      { touchpoint: 'social', source: 'x' },
    ]);
  });

  it('follows the window and the KPI’s own metrics', async () => {
    const march = await coverage('mentions', 'from=2026-03-01T00:00:00Z&to=2026-03-11T00:00:00Z');
    expect(march.sources).toContainEqual({ touchpoint: 'viral', source: 'tiktok' });
    const likes = await coverage('engagements', 'from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z');
    expect(likes.sources).toEqual([{ touchpoint: 'social', source: 'instagram' }]);
    const empty = await coverage('mentions', 'from=2026-02-01T00:00:00Z&to=2026-02-02T00:00:00Z');
    expect(empty).toMatchObject({ touchpoints: [], sources: [] });
  });

  it('answers an unknown KPI with a 404 that names it', async () => {
    const response = await fetch(`${server.url}/api/v1/workspaces/${WS}/kpis/weather/coverage?window=24h`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('weather');
  });
});
