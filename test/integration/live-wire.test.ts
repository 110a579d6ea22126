// The live protocol's wire format, pinned: what a real hub sends validates against the schemas of
// shared/schemas/live.ts, and each topic's data has exactly the keys the web app reads today. The
// expected keys are spelled out here, not built with the key helpers, so that a change of the
// helpers or of the server's keying fails here before it reaches a browser.
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Delta,
  type LiveData,
  ServerMessage,
  type Snapshot,
  type Topic,
  TopicData,
  TopicParts,
} from '../../shared/schemas/live.js';
import { LiveClient } from '../helpers/live-client.js';
import { event, postEvents, putWorkspace, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let alertId: string;

const now = () => new Date(Date.now() - 1000).toISOString();
const SUBSCRIPTIONS: Record<Topic, object> = {
  tiles: { workspace: 'wire', kpis: ['mentions', 'share_of_voice'], window: '24h' },
  benchmark: { workspace: 'wire', kpi: 'mentions', window: '24h' },
  series: { workspace: 'wire', kpi: 'mentions', grain: 'hour' },
  quality: { workspace: 'wire' },
  alerts: { workspace: 'wire' },
};

/** `schema` accepts `value`; otherwise the test fails with the schema's first errors. */
function expectValid(schema: TSchema, value: unknown): void {
  expect(Value.Check(schema, value) ? [] : [...Value.Errors(schema, value)].slice(0, 5)).toEqual([]);
}

async function snapshotsOf(client: LiveClient): Promise<{ [T in Topic]: Snapshot<TopicData<T>> }> {
  const out: Partial<Record<Topic, Snapshot>> = {};
  for (const [topic, params] of Object.entries(SUBSCRIPTIONS)) {
    client.send({ type: 'subscribe', id: topic, topic, params });
    out[topic as Topic] = await client.next<Snapshot>((m) => m.type === 'snapshot' && m.id === topic);
  }
  // Each validated against its topic's schema by the tests below.
  return out as { [T in Topic]: Snapshot<TopicData<T>> };
}

beforeAll(async () => {
  server = await startServer({ tickMs: 100 });
  await putWorkspace(server.url, 'wire');
  // Mentions for two of the three brands, and a burst of rows of an unknown brand: the hub rejects
  // them (quality counters, quarantine) and raises an alert on its next tick.
  const rows = [
    event('acme', 'social', 'x', 'mentions', 10, now()),
    event('globex', 'social', 'x', 'mentions', 30, now()),
    ...Array.from({ length: 60 }, () => event('nobody', 'social', 'x', 'mentions', 1, now())),
  ];
  expect((await postEvents(server.url, 'wire', JSON.stringify(rows), 'application/json')).status).toBe(200);
  const alertsOf = async () =>
    (
      (await (await fetch(`${server.url}/api/v1/workspaces/wire/alerts`)).json()) as {
        rows: { id: string }[];
      }
    ).rows;
  const deadline = Date.now() + 10_000;
  let listed = await alertsOf();
  while (listed.length === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    listed = await alertsOf();
  }
  expect(listed).toHaveLength(1);
  alertId = listed[0]!.id;
});
afterAll(async () => {
  await server?.close();
});

describe('the live wire format', () => {
  it('sends each topic a snapshot whose data is its TopicData, with exactly the keys of today', async () => {
    const client = await LiveClient.open(server.url);
    const snapshots = await snapshotsOf(client);
    for (const topic of Object.keys(SUBSCRIPTIONS) as Topic[]) {
      expectValid(ServerMessage, snapshots[topic]);
      expectValid(TopicData[topic], snapshots[topic].data);
    }
    const keys = (data: object) => Object.keys(data).sort();
    expect(keys(snapshots.tiles.data)).toEqual(['tile:mentions', 'tile:share_of_voice', 'window']);
    expect(keys(snapshots.benchmark.data)).toEqual([
      'kpi',
      'previousWindow',
      'row:acme',
      'row:globex',
      'row:initech',
      'set',
      'window',
    ]);
    expect(keys(snapshots.quality.data)).toEqual(['counters']);
    expect(keys(snapshots.alerts.data)).toEqual([`alert:${alertId}`]);

    // One point per hourly bucket of the REST series over the same buckets, keyed by its bucket.
    const points = Object.entries(snapshots.series.data);
    expect(points.length).toBeGreaterThanOrEqual(24);
    for (const [key, point] of points) expect(key).toBe(`p:${point.bucket}`);
    const buckets = points.map(([, p]) => p.bucket).sort((a, b) => Date.parse(a) - Date.parse(b));
    const rest = (await (
      await fetch(
        `${server.url}/api/v1/workspaces/wire/kpis/mentions/series?${new URLSearchParams({
          grain: 'hour',
          from: buckets[0]!,
          to: new Date(Date.parse(buckets[buckets.length - 1]!) + 3_600_000).toISOString(),
        })}`,
      )
    ).json()) as { buckets: string[] };
    expect(buckets).toEqual(rest.buckets);
    client.close();
  });

  it('keeps the fields of every part', async () => {
    const client = await LiveClient.open(server.url);
    const { tiles, benchmark, series, quality, alerts } = await snapshotsOf(client);
    const keys = (data: object | undefined) => Object.keys(data ?? {}).sort();
    expect(keys(tiles.data.window)).toEqual(['from', 'previousFrom', 'previousTo', 'to']);
    expect(keys(tiles.data['tile:mentions'])).toEqual([
      'delta',
      'deltaPct',
      'direction',
      'kpi',
      'label',
      'previous',
      'rank',
      'ranked',
      'sparkline',
      'sparklineProvisional',
      'unit',
      'value',
    ]);
    expect(keys(benchmark.data.window)).toEqual(['from', 'to']);
    expect(keys(benchmark.data.previousWindow)).toEqual(['from', 'to']);
    expect(keys(benchmark.data.set)).toEqual(['average', 'leader', 'median']);
    const row = [
      'brand',
      'delta',
      'deltaPct',
      'gapToLeader',
      'index',
      'name',
      'own',
      'previous',
      'rank',
      'share',
      'value',
    ];
    expect(keys(benchmark.data['row:acme'])).toEqual(row);
    // A brand without data says why.
    expect(keys(benchmark.data['row:initech'])).toEqual([...row, 'reason'].sort());
    const points = Object.values(series.data).sort((a, b) => Date.parse(a.bucket) - Date.parse(b.bucket));
    expect(keys(points[0])).toEqual(['bucket', 'values']);
    expect(keys(points[0]!.values)).toEqual(['acme', 'globex', 'initech']);
    // The bucket still filling, the last one.
    expect(keys(points.at(-1))).toEqual(['bucket', 'provisional', 'values']);
    expect(keys(quality.data.counters)).toEqual([
      'accepted',
      'acceptedLastMinute',
      'lastCommitAt',
      'quarantined',
      'rejected',
      'rejectedLastMinute',
    ]);
    expect(quality.data.counters.rejected).toBe(60);
    expect(keys(alerts.data[`alert:${alertId}`])).toEqual([
      'acknowledged',
      'at',
      'id',
      'kind',
      'message',
      'severity',
      'subject',
    ]);
    client.close();
  });

  it('sends deltas that set parts of the topic’s data', async () => {
    const client = await LiveClient.open(server.url);
    const { tiles } = await snapshotsOf(client);
    await postEvents(
      server.url,
      'wire',
      JSON.stringify([event('acme', 'social', 'x', 'mentions', 5, now())]),
      'application/json',
    );
    // The first delta that carries the tile (a minute boundary may move the window part first).
    const delta = await client.next<Delta<TopicData<'tiles'>>>(
      (m) => m.type === 'delta' && m.id === 'tiles' && 'tile:mentions' in m.changes.set,
    );
    expectValid(ServerMessage, delta);
    expectValid(TopicParts.tiles, delta.changes.set);
    expect(delta.changes.set['tile:mentions']?.value).toBe((tiles.data['tile:mentions'].value ?? 0) + 5);
    client.close();
  });

  it('sends only messages of the ServerMessage schema', async () => {
    const client = await LiveClient.open(server.url);
    await snapshotsOf(client);
    client.send({ type: 'ping' });
    client.send('not json');
    client.send({ type: 'subscribe', id: 'gone', topic: 'quality', params: { workspace: 'nope' } });
    client.send({ type: 'unsubscribe', id: 'never' });
    await client.next((m) => m.type === 'error' && m.id === 'never');
    await client.next((m) => m.type === 'error' && m.id === 'gone');
    await client.sync();
    // Deltas may come too (the quality counters move with the clock); heartbeats every 15 s.
    const types = new Set(client.messages.map((m) => m.type));
    expect([...types]).toEqual(expect.arrayContaining(['error', 'pong', 'snapshot', 'welcome']));
    const errors = client.messages.filter((m) => m.type === 'error');
    expect(errors.map((m) => m.id ?? '(socket)').sort()).toEqual(['(socket)', 'gone', 'never']);
    for (const m of client.messages) expectValid(ServerMessage, m);
    client.close();
  });

  it('has schemas that refuse what the wire does not carry', () => {
    const tile = {
      kpi: 'mentions',
      label: { en: 'Mentions', fr: 'Mentions' },
      unit: 'count',
      direction: 'higher',
      value: 1,
      previous: null,
      delta: null,
      deltaPct: null,
      rank: 1,
      ranked: 1,
      sparkline: [1, null],
      sparklineProvisional: true,
    };
    const at = '2026-03-10T10:00:00.000Z';
    const window = { from: at, to: at, previousFrom: at, previousTo: at };
    expect(Value.Check(TopicData.tiles, { window, 'tile:mentions': tile })).toBe(true);
    expect(Value.Check(TopicData.tiles, { window, 'tile:mentions': tile, extra: 1 })).toBe(false);
    expect(Value.Check(TopicData.tiles, { window, 'row:mentions': tile })).toBe(false);
    expect(Value.Check(TopicData.tiles, { 'tile:mentions': tile })).toBe(false);
    expect(Value.Check(TopicData.tiles, { window, 'tile:mentions': { ...tile, rank: '1' } })).toBe(false);
    expect(Value.Check(TopicData.tiles, { window, 'tile:mentions': { ...tile, more: 1 } })).toBe(false);
    expect(Value.Check(TopicParts.tiles, { 'tile:mentions': tile })).toBe(true);
    expect(Value.Check(TopicData.series, { 'point:x': { bucket: at, values: {} } })).toBe(false);
    expect(Value.Check(TopicData.quality, { counters: {} })).toBe(false);
    const data: LiveData = {};
    expect(Value.Check(ServerMessage, { type: 'snapshot', id: 's', seq: 1, asOf: null, data })).toBe(true);
    expect(Value.Check(ServerMessage, { type: 'snapshot', id: 's', seq: 1, data })).toBe(false);
    expect(Value.Check(ServerMessage, { type: 'pong', at })).toBe(false);
    expect(Value.Check(ServerMessage, { type: 'hello' })).toBe(false);
  });
});
