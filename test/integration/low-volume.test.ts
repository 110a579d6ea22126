// Ratio KPIs over a handful of events swing between 0 % and 100 %: under the workspace's minimum
// volume the API says so (lowVolume, and the volume) while keeping the value and rank as computed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Benchmark, KpiValue } from '../../shared/schemas/kpi.js';
import type { Snapshot, TopicData } from '../../shared/schemas/live.js';
import { LiveClient } from '../helpers/live-client.js';
import {
  event,
  expectError,
  postEvents,
  putWorkspace,
  startServer,
  type TestServer,
} from '../helpers/server.js';

let server: TestServer;
const at = () => new Date(Date.now() - 60_000).toISOString();

beforeAll(async () => {
  server = await startServer({ tickMs: 100 });
  await putWorkspace(server.url, 'vol');
  const rows = [
    // Acme: 4 mentions with a sentiment, 3 of them positive: +50 % on 4 mentions.
    event('acme', 'social', 'x', 'positive_mentions', 3, at()),
    event('acme', 'social', 'x', 'negative_mentions', 1, at()),
    event('acme', 'social', 'x', 'mentions', 4, at()),
    // Globex: 50 of them, 40 positive: +60 % on 50.
    event('globex', 'social', 'x', 'positive_mentions', 40, at()),
    event('globex', 'social', 'x', 'negative_mentions', 10, at()),
    event('globex', 'social', 'x', 'mentions', 20, at()),
  ];
  const response = await postEvents(server.url, 'vol', JSON.stringify(rows), 'application/json');
  expect(response.status).toBe(200);
});
afterAll(async () => {
  await server.close();
});

const get = async <T>(path: string): Promise<T> => {
  const response = await fetch(`${server.url}/api/v1/workspaces/vol/${path}`);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as T;
};
const putMinVolumes = (body: object) =>
  fetch(`${server.url}/api/v1/workspaces/vol/min-volumes`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('a ratio over too little volume', () => {
  it('is flagged in the benchmark with its volume, its value and rank kept', async () => {
    const bench = await get<Benchmark>('benchmark?kpi=net_sentiment&window=24h');
    const acme = bench.rows.find((r) => r.brand === 'acme')!;
    const globex = bench.rows.find((r) => r.brand === 'globex')!;
    expect(acme).toMatchObject({ value: 0.5, rank: 2, lowVolume: true, volume: 4 });
    expect(globex).toMatchObject({ value: 0.6, rank: 1 });
    expect(globex.lowVolume).toBeUndefined();
    expect(globex.volume).toBeUndefined();
  });

  it('is flagged on the brand’s value, and never on a counter', async () => {
    const value = await get<KpiValue>('kpis/net_sentiment?brand=acme&window=24h');
    expect(value).toMatchObject({ value: 0.5, lowVolume: true, volume: 4 });
    const mentions = await get<KpiValue>('kpis/mentions?brand=acme&window=24h');
    expect(mentions.value).toBe(4);
    expect(mentions.lowVolume).toBeUndefined();
  });

  it('flags every brand of a share when the set’s total is small', async () => {
    const bench = await get<Benchmark>('benchmark?kpi=share_of_voice&window=24h');
    const valued = bench.rows.filter((r) => r.value !== null);
    expect(valued.map((r) => [r.brand, r.lowVolume, r.volume])).toEqual([
      ['acme', true, 24],
      ['globex', true, 24],
    ]);
    expect(valued.map((r) => r.rank)).toEqual([2, 1]);
  });

  it('follows the workspace’s minimums, per KPI, and says what it refuses', async () => {
    expect(await get('min-volumes')).toEqual({ default: 30, kpis: {} });
    const put = await putMinVolumes({ default: 20, kpis: { net_sentiment: 3 } });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ default: 20, kpis: { net_sentiment: 3 } });
    const sentiment = await get<Benchmark>('benchmark?kpi=net_sentiment&window=24h');
    expect(sentiment.rows.find((r) => r.brand === 'acme')!.lowVolume).toBeUndefined();
    const share = await get<Benchmark>('benchmark?kpi=share_of_voice&window=24h');
    expect(share.rows.find((r) => r.brand === 'acme')!.lowVolume).toBeUndefined();

    await expectError(await putMinVolumes({ kpis: { mentions: 10 } }), 400, 'invalid_query');
    await expectError(await putMinVolumes({ default: -1 }), 400, 'invalid_request');
    expect(await get('min-volumes')).toEqual({ default: 20, kpis: { net_sentiment: 3 } });
    expect((await putMinVolumes({})).status).toBe(200);
  });

  it('is flagged on the live tile', async () => {
    const client = await LiveClient.open(server.url);
    client.send({
      type: 'subscribe',
      id: 't',
      topic: 'tiles',
      params: { workspace: 'vol', kpis: ['net_sentiment', 'mentions'], window: '24h' },
    });
    const snapshot = await client.next<Snapshot<TopicData<'tiles'>>>((m) => m.type === 'snapshot');
    expect(snapshot.data['tile:net_sentiment']).toMatchObject({ value: 0.5, lowVolume: true, volume: 4 });
    expect(snapshot.data['tile:mentions'].lowVolume).toBeUndefined();
    client.close();
  });
});
