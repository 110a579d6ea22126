// The DPI tile has its sparkline like every tile, equal to the DPI's own series, and a late event
// in an hour already drawn redraws it (its closed hours are kept between ticks, not frozen).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KpiSeries } from '../../shared/schemas/kpi.js';
import type { ServerMessage, Snapshot, TopicData } from '../../shared/schemas/live.js';
import { LiveClient } from '../helpers/live-client.js';
import { event, postEvents, putWorkspace, startServer, type TestServer } from '../helpers/server.js';

const HOUR = 3_600_000;
const WS = 'spark';
let server: TestServer;
let client: LiveClient;
const now = Date.now();
const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR).toISOString();

async function post(rows: unknown[]): Promise<void> {
  const response = await postEvents(server.url, WS, JSON.stringify(rows), 'application/json');
  expect(response.status, await response.clone().text()).toBe(200);
}

beforeAll(async () => {
  server = await startServer({ tickMs: 100 });
  await putWorkspace(server.url, WS);
  await post(
    [5, 4, 3, 2, 1].flatMap((h) => [
      event('acme', 'search', 'google', 'clicks', 10 + h, at(h)),
      event('acme', 'search', 'google', 'impressions', 100, at(h)),
      event('globex', 'search', 'google', 'clicks', 20, at(h)),
      event('globex', 'search', 'google', 'impressions', 100, at(h)),
      event('initech', 'search', 'google', 'clicks', 5 * h, at(h)),
      event('initech', 'search', 'google', 'impressions', 100, at(h)),
      event('acme', 'social', 'x', 'mentions', 30, at(h)),
      event('globex', 'social', 'x', 'mentions', 10 * h, at(h)),
    ]),
  );
  client = await LiveClient.open(server.url);
});
afterAll(async () => {
  await client?.close();
  await server.close();
});

/** The own brand's hourly DPI over the last 24 hours, as the API computes it. */
async function apiSeries(): Promise<(number | null)[]> {
  const response = await fetch(`${server.url}/api/v1/workspaces/${WS}/kpis/dpi/series?grain=hour&window=24h`);
  expect(response.status).toBe(200);
  return ((await response.json()) as KpiSeries).series.find((s) => s.brand === 'acme')!.values;
}

let subscriptions = 0;
/** A fresh snapshot of the DPI tile (a second subscriber gets what the engine holds now). */
async function tile(): Promise<TopicData<'tiles'>['tile:dpi']> {
  const id = `t${++subscriptions}`;
  client.send({
    type: 'subscribe',
    id,
    topic: 'tiles',
    params: { workspace: WS, kpis: ['dpi'], window: '24h' },
  });
  const snapshot = await client.next<Snapshot<TopicData<'tiles'>>>(
    (m) => m.type === 'snapshot' && m.id === id,
  );
  return snapshot.data['tile:dpi'];
}

/** Equal to the API's series, asked again if the clock crossed an hour in between. */
async function expectSameAsApi(): Promise<(number | null)[]> {
  let last: { tile: (number | null)[]; api: (number | null)[] } | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const sparkline = (await tile()).sparkline;
    const api = await apiSeries();
    if (JSON.stringify(sparkline) === JSON.stringify(api)) return sparkline;
    last = { tile: sparkline, api };
  }
  expect(last!.tile).toEqual(last!.api);
  return [];
}

describe('the DPI tile', () => {
  it('has a sparkline of the day’s hours, equal to the DPI series of the API', async () => {
    const first = await tile();
    expect(first.sparkline.length).toBeGreaterThanOrEqual(24);
    expect(first.sparkline.filter((v) => v !== null).length).toBeGreaterThanOrEqual(5);
    await expectSameAsApi();
  });

  it('redraws an hour already drawn when a late event lands in it', async () => {
    const before = await expectSameAsApi();
    const delta = client.next<ServerMessage>(
      (m) => m.type === 'delta' && m.id === 't1' && 'tile:dpi' in (m.changes.set ?? {}),
    );
    // Three hours ago acme outclicks the set: its score there jumps to the top.
    await post([event('acme', 'search', 'google', 'clicks', 500, at(3))]);
    await delta;
    const after = await expectSameAsApi();
    expect(after).not.toEqual(before);
  });
});
