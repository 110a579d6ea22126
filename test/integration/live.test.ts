// The live websocket (GET /api/v1/live) with real clients against the running server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDelta } from '../../shared/live.js';
import type { LiveData, ServerMessage, Tile } from '../../shared/schemas/live.js';
import { killAllHubs, startChildHub } from '../helpers/child.js';
import { LiveClient } from '../helpers/live-client.js';
import { event, postEvents, putWorkspace, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

type Snapshot = Extract<ServerMessage, { type: 'snapshot' }>;
type Delta = Extract<ServerMessage, { type: 'delta' }>;

/** The record a client holds after the messages of one subscription. */
function replay(messages: ServerMessage[]): { data: LiveData; seq: number } {
  let state: { data: LiveData; seq: number } | undefined;
  for (const m of messages) {
    if (m.type === 'snapshot') state = { data: m.data, seq: m.seq };
    if (m.type === 'delta') {
      expect(state, 'a delta before any snapshot').toBeDefined();
      expect(m.seq, 'deltas never skip a seq').toBe(state!.seq + 1);
      state = { data: applyDelta(state!.data, m.changes), seq: m.seq };
    }
  }
  return state!;
}

const now = () => new Date(Date.now() - 1000).toISOString();
const tiles = { workspace: 'live', kpis: ['mentions', 'share_of_voice'], window: '24h' };

beforeAll(async () => {
  server = await startServer({ tickMs: 100 });
  await putWorkspace(server.url, 'live');
  await postEvents(
    server.url,
    'live',
    JSON.stringify([
      event('acme', 'social', 'x', 'mentions', 10, now()),
      event('globex', 'social', 'x', 'mentions', 30, now()),
    ]),
    'application/json',
  );
});
afterAll(async () => {
  await server.close();
  await killAllHubs();
});

describe('GET /api/v1/live', () => {
  it('welcomes with an epoch, snapshots a subscription, then sends deltas after an ingest', async () => {
    const client = await LiveClient.open(server.url);
    const welcome = await client.next((m) => m.type === 'welcome');
    expect(welcome).toMatchObject({ type: 'welcome', epoch: expect.any(String) });
    client.send({ type: 'subscribe', id: 't', topic: 'tiles', params: tiles });
    const snapshot = await client.next<Snapshot>((m) => m.type === 'snapshot' && m.id === 't');
    expect((snapshot.data['tile:mentions'] as Tile).value).toBe(10);
    expect((snapshot.data['tile:share_of_voice'] as Tile).value).toBeCloseTo(0.25);
    expect((snapshot.data['tile:mentions'] as Tile).rank).toBe(2);

    const ack = await postEvents(
      server.url,
      'live',
      JSON.stringify([event('acme', 'social', 'x', 'mentions', 50, now())]),
      'application/json',
    );
    expect(ack.status).toBe(200);
    const { asOf } = (await ack.json()) as { asOf: string };
    const delta = await client.next<Delta>((m) => m.type === 'delta' && m.id === 't');
    expect(delta.seq).toBe(snapshot.seq + 1);
    expect((delta.changes.set['tile:mentions'] as Tile).value).toBe(60);
    // The answer's asOf names the commit: the first delta stamped with it holds the rows.
    expect(Date.parse(snapshot.asOf!)).toBeLessThan(Date.parse(asOf));
    expect(delta.asOf).toBe(asOf);

    // What the client holds equals what a fresh subscriber gets.
    const fresh = await LiveClient.open(server.url);
    fresh.send({ type: 'subscribe', id: 'f', topic: 'tiles', params: { ...tiles, kpis: [...tiles.kpis] } });
    const other = await fresh.next<Snapshot>((m) => m.type === 'snapshot' && m.id === 'f');
    expect(replay(client.of('t')).data).toEqual(other.data);
    expect(other.seq).toBe(replay(client.of('t')).seq);
    client.close();
    fresh.close();
  });

  it('moves a screen’s "data as of" on a commit that leaves its figures as they were', async () => {
    const client = await LiveClient.open(server.url);
    client.send({ type: 'subscribe', id: 'z', topic: 'tiles', params: tiles });
    const snapshot = await client.next<Snapshot>((m) => m.type === 'snapshot' && m.id === 'z');
    // A mention count of 0: the rows are stored, no figure on the wall changes.
    const ack = await postEvents(
      server.url,
      'live',
      JSON.stringify([event('acme', 'social', 'x', 'mentions', 0, now())]),
      'application/json',
    );
    const { asOf } = (await ack.json()) as { asOf: string };
    const delta = await client.next<Delta>((m) => m.type === 'delta' && m.id === 'z', 3_000);
    expect(delta.asOf).toBe(asOf);
    expect(delta.changes).toEqual({ set: {}, remove: [] });
    expect(delta.seq).toBe(snapshot.seq + 1);
    client.close();
  });

  it('shapes benchmark data like the REST benchmark', async () => {
    const client = await LiveClient.open(server.url);
    client.send({
      type: 'subscribe',
      id: 'b',
      topic: 'benchmark',
      params: { workspace: 'live', kpi: 'mentions', window: '24h' },
    });
    const snapshot = await client.next<Snapshot>((m) => m.type === 'snapshot' && m.id === 'b');
    const window = snapshot.data.window as { from: string; to: string };
    const rest = (await (
      await fetch(
        `${server.url}/api/v1/workspaces/live/benchmark?kpi=mentions&from=${window.from}&to=${window.to}`,
      )
    ).json()) as { rows: { brand: string }[]; set: unknown };
    expect(snapshot.data['row:acme']).toEqual(rest.rows.find((r) => r.brand === 'acme'));
    expect(snapshot.data.set).toEqual(rest.set);
    client.close();
  });

  it('resumes within an epoch with the deltas it missed, and snapshots on a seq it cannot serve', async () => {
    const first = await LiveClient.open(server.url);
    const { epoch } = await first.next<Extract<ServerMessage, { type: 'welcome' }>>(
      (m) => m.type === 'welcome',
    );
    first.send({ type: 'subscribe', id: 'r', topic: 'tiles', params: tiles });
    const snapshot = await first.next<Snapshot>((m) => m.type === 'snapshot' && m.id === 'r');
    first.close();
    await first.closed;
    await postEvents(
      server.url,
      'live',
      JSON.stringify([event('globex', 'social', 'x', 'mentions', 5, now())]),
      'application/json',
    );
    // Let a tick publish the change while nobody listens.
    await new Promise((r) => setTimeout(r, 500));

    const second = await LiveClient.open(server.url);
    second.send({
      type: 'subscribe',
      id: 'r',
      topic: 'tiles',
      params: tiles,
      resumeFrom: { epoch, seq: snapshot.seq },
    });
    const delta = await second.next<Delta>((m) => m.type === 'delta' || m.type === 'snapshot');
    expect(delta.type).toBe('delta');
    expect(delta.seq).toBe(snapshot.seq + 1);
    const resumed = replay([snapshot, ...second.of('r')]);
    expect((resumed.data['tile:mentions'] as Tile).rank).toBe(1);

    const third = await LiveClient.open(server.url);
    third.send({
      type: 'subscribe',
      id: 'r',
      topic: 'tiles',
      params: tiles,
      resumeFrom: { epoch: 'another-run', seq: snapshot.seq },
    });
    expect((await third.next((m) => m.type === 'snapshot' || m.type === 'delta')).type).toBe('snapshot');
    second.close();
    third.close();
  });

  it('keeps one stream per id when an id is unsubscribed and reused while its first snapshot is computed', async () => {
    const client = await LiveClient.open(server.url);
    const params = { workspace: 'live', kpi: 'engagements', window: '28d' };
    client.send({ type: 'subscribe', id: 'again', topic: 'benchmark', params });
    client.send({ type: 'unsubscribe', id: 'again' });
    client.send({ type: 'subscribe', id: 'again', topic: 'benchmark', params });
    await client.next((m) => m.type === 'snapshot' && m.id === 'again');
    await postEvents(
      server.url,
      'live',
      JSON.stringify([event('acme', 'social', 'x', 'engagements', 7, now())]),
      'application/json',
    );
    await client.next((m) => m.type === 'delta' && m.id === 'again');
    await new Promise((r) => setTimeout(r, 300));
    const mine = client.of('again').filter((m) => m.type === 'snapshot' || m.type === 'delta');
    expect(mine.filter((m) => m.type === 'snapshot')).toHaveLength(1);
    replay(mine); // deltas follow the snapshot seq by seq
    client.close();
  });

  it('tells a screen still showing a workspace that was deleted, and ends its subscription', async () => {
    await putWorkspace(server.url, 'live-gone');
    const client = await LiveClient.open(server.url);
    client.send({ type: 'subscribe', id: 'g', topic: 'tiles', params: { ...tiles, workspace: 'live-gone' } });
    await client.next((m) => m.type === 'snapshot' && m.id === 'g');
    const deleted = await fetch(`${server.url}/api/v1/workspaces/live-gone`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    // No row will ever arrive for it: the hub says so without waiting for one.
    const error = await client.next((m) => m.type === 'error' && m.id === 'g');
    expect(error).toMatchObject({ code: 'unknown_workspace', message: expect.stringMatching(/live-gone/) });
    // The id is free again: subscribing it anew is refused for the workspace, not as a duplicate id.
    client.send({ type: 'subscribe', id: 'g', topic: 'tiles', params: { ...tiles, workspace: 'live-gone' } });
    const again = await client.next((m) => m.type === 'error' && m.id === 'g' && m !== error);
    expect(again).toMatchObject({ code: expect.not.stringMatching(/duplicate/) });
    client.close();
  });

  it('answers bad messages with an error and keeps the socket open', async () => {
    const client = await LiveClient.open(server.url);
    client.send('not json');
    expect(await client.next((m) => m.type === 'error')).toMatchObject({ code: 'invalid_message' });
    client.send({ type: 'subscribe', id: 'x', topic: 'weather', params: {} });
    expect(await client.next((m) => m.type === 'error' && m.id === 'x')).toMatchObject({
      code: 'invalid_message',
    });
    client.send({ type: 'subscribe', id: 'nows', topic: 'tiles', params: { ...tiles, workspace: 'nope' } });
    const unknown = await client.next((m) => m.type === 'error' && m.id === 'nows');
    expect(unknown).toMatchObject({
      code: 'unknown_workspace',
      message: expect.stringContaining('nope'),
      hint: expect.any(String),
    });
    client.send({
      type: 'subscribe',
      id: 'k',
      topic: 'benchmark',
      params: { workspace: 'live', kpi: 'nope', window: '7d' },
    });
    expect(await client.next((m) => m.type === 'error' && m.id === 'k')).toMatchObject({
      message: expect.stringContaining('nope'),
    });
    client.send({ type: 'ping' });
    expect(await client.next((m) => m.type === 'pong')).toEqual({ type: 'pong' });
    client.close();
  });

  it('closes the socket with a policy violation on an oversized frame or a flood of invalid ones', async () => {
    const big = await LiveClient.open(server.url);
    big.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(64 * 1024) }));
    expect(await big.closed).toMatchObject({ code: 1008, reason: expect.stringContaining('bytes') });

    const flood = await LiveClient.open(server.url);
    for (let i = 0; i < 30; i++) flood.send('{');
    expect(await flood.closed).toMatchObject({ code: 1008, reason: expect.stringContaining('invalid') });
  });

  it('moves relative windows with the clock', async () => {
    const client = await LiveClient.open(server.url);
    client.send({
      type: 'subscribe',
      id: 'w',
      topic: 'benchmark',
      params: { workspace: 'live', kpi: 'mentions', window: '1h' },
    });
    const snapshot = await client.next<Snapshot>((m) => m.type === 'snapshot' && m.id === 'w');
    const before = (snapshot.data.window as { to: string }).to;
    // A relative window ends at the next minute: within ~61 s the window part changes.
    const moved = await client.next<Delta>(
      (m) => m.type === 'delta' && m.id === 'w' && 'window' in m.changes.set,
      65_000,
    );
    expect(Date.parse((moved.changes.set.window as { to: string }).to) - Date.parse(before)).toBe(60_000);
    client.close();
  }, 70_000);
});

describe('a client that stops reading', () => {
  it('is owed at most a bounded backlog, and gets a snapshot once it drains', async () => {
    const slowServer = await startServer({ tickMs: 100, liveBacklogBytes: 32 * 1024 });
    try {
      await putWorkspace(slowServer.url, 'slow');
      // 90 days of hourly mentions: the series snapshot is a few hundred kB.
      const hour = 3_600_000;
      const start = Math.floor(Date.now() / hour) * hour - 89 * 24 * hour;
      const history = [];
      for (let t = start; t < Date.now() - hour; t += hour) {
        for (const brand of ['acme', 'globex', 'initech'])
          history.push(event(brand, 'social', 'x', 'mentions', (t / hour) % 97, new Date(t).toISOString()));
      }
      expect(
        (await postEvents(slowServer.url, 'slow', JSON.stringify(history), 'application/json')).status,
      ).toBe(200);
      const params = { workspace: 'slow', kpi: 'mentions', grain: 'hour', window: '90d' };

      const slow = await LiveClient.open(slowServer.url);
      const reader = await LiveClient.open(slowServer.url);
      await slow.next((m) => m.type === 'welcome');
      // Stop reading: bytes pile up in the kernel, then in the server's socket buffer.
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      // Many subscriptions of the same series: one computation, a snapshot each (megabytes in all).
      for (let i = 0; i < 24; i++)
        slow.send({ type: 'subscribe', id: i === 0 ? 's' : `s${i}`, topic: 'series', params });
      reader.send({ type: 'subscribe', id: 's', topic: 'series', params });
      await reader.next((m) => m.type === 'snapshot');

      const backlog = () =>
        Math.max(...[...slowServer.app.websocketServer.clients].map((c) => c.bufferedAmount));
      const peaks: number[] = [];
      for (let i = 0; i < 30; i++) {
        await postEvents(
          slowServer.url,
          'slow',
          JSON.stringify([event('acme', 'social', 'x', 'mentions', 1, now())]),
          'application/json',
        );
        await new Promise((r) => setTimeout(r, 100));
        peaks.push(backlog());
      }
      // Bounded by the threshold plus the one snapshot sent before the client fell behind.
      const snapshotBytes = JSON.stringify(
        (await reader.next<Snapshot>((m) => m.type === 'snapshot')).data,
      ).length;
      expect(Math.max(...peaks)).toBeLessThan(32 * 1024 + snapshotBytes + 16 * 1024);
      const readerState = replay(reader.of('s'));
      expect(reader.of('s').filter((m) => m.type === 'delta').length).toBeGreaterThan(5);

      (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      await expect
        .poll(() => replay(slow.of('s')).seq, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(readerState.seq);
      const messages = slow.of('s');
      expect(
        messages.filter((m) => m.type === 'snapshot').length,
        'a fresh snapshot after it drained',
      ).toBeGreaterThanOrEqual(2);
      expect(
        messages.filter((m) => m.type === 'delta').length,
        'the deltas it could not take were dropped',
      ).toBeLessThan(reader.of('s').filter((m) => m.type === 'delta').length);
      // The last ingest's delta may still be on its way to either client: compare them at one seq.
      await expect
        .poll(() => replay(slow.of('s')).seq === replay(reader.of('s')).seq, { timeout: 10_000 })
        .toBe(true);
      expect(replay(slow.of('s')).data).toEqual(replay(reader.of('s')).data);
      slow.close();
      reader.close();
    } finally {
      await slowServer.close();
    }
  });
});

describe('data-quality alerts', () => {
  it('pushes a burst of rejected rows on the alerts topic, lists it, takes an acknowledgement and keeps it across a restart', async () => {
    const dataDir = (await import('node:fs')).mkdtempSync(
      (await import('node:path')).join((await import('node:os')).tmpdir(), 'conv-alerts-'),
    );
    let hub = await startChildHub(dataDir, { TICK_MS: '100' });
    await putWorkspace(hub.url, 'q');
    const client = await LiveClient.open(hub.url);
    client.send({ type: 'subscribe', id: 'a', topic: 'alerts', params: { workspace: 'q' } });
    await client.next((m) => m.type === 'snapshot' && m.id === 'a');
    // 60 rows of an unknown brand, 10 good ones.
    const rows = [
      ...Array.from({ length: 60 }, () => event('nobody', 'social', 'x', 'mentions', 1, now())),
      ...Array.from({ length: 10 }, () => event('acme', 'social', 'x', 'mentions', 1, now())),
    ];
    expect((await postEvents(hub.url, 'q', JSON.stringify(rows), 'application/json')).status).toBe(200);
    const pushed = await client.next<Delta>((m) => m.type === 'delta' && m.id === 'a');
    const [part] = Object.values(pushed.changes.set) as { id: string; kind: string; acknowledged: boolean }[];
    expect(part).toMatchObject({ kind: 'rejected_burst', acknowledged: false });

    const listed = (await (await fetch(`${hub.url}/api/v1/workspaces/q/alerts`)).json()) as {
      rows: { id: string }[];
    };
    expect(listed.rows.map((r) => r.id)).toEqual([part!.id]);
    const ack = await fetch(`${hub.url}/api/v1/workspaces/q/alerts/${part!.id}/ack`, { method: 'POST' });
    expect(await ack.json()).toMatchObject({ id: part!.id, acknowledged: true });
    const acked = await client.next<Delta>(
      (m) =>
        m.type === 'delta' &&
        m.id === 'a' &&
        (m.changes.set[`alert:${part!.id}`] as { acknowledged?: boolean })?.acknowledged === true,
    );
    expect(acked).toBeDefined();
    expect((await fetch(`${hub.url}/api/v1/workspaces/q/alerts/nope/ack`, { method: 'POST' })).status).toBe(
      404,
    );
    client.close();

    hub.child.kill('SIGTERM');
    await hub.exited;
    hub = await startChildHub(dataDir, { TICK_MS: '100' });
    const again = (await (await fetch(`${hub.url}/api/v1/workspaces/q/alerts`)).json()) as {
      rows: unknown[];
    };
    expect(again.rows).toEqual([
      expect.objectContaining({ id: part!.id, kind: 'rejected_burst', acknowledged: true }),
    ]);
    hub.child.kill('SIGTERM');
    await hub.exited;
  });
});

describe('the live hub across a restart', () => {
  it('starts a new epoch: a resuming client gets a snapshot', async () => {
    const dataDir = (await import('node:fs')).mkdtempSync(
      (await import('node:path')).join((await import('node:os')).tmpdir(), 'conv-live-'),
    );
    let hub = await startChildHub(dataDir, { TICK_MS: '100' });
    await putWorkspace(hub.url, 'live');
    const client = await LiveClient.open(hub.url);
    const { epoch } = await client.next<Extract<ServerMessage, { type: 'welcome' }>>(
      (m) => m.type === 'welcome',
    );
    client.send({ type: 'subscribe', id: 's', topic: 'tiles', params: tiles });
    const snapshot = await client.next<Snapshot>((m) => m.type === 'snapshot' && m.id === 's');
    await postEvents(
      hub.url,
      'live',
      JSON.stringify([event('acme', 'social', 'x', 'mentions', 3, now())]),
      'application/json',
    );
    const asOfBefore = (await client.next<Delta>((m) => m.type === 'delta' && m.id === 's')).asOf;
    expect(asOfBefore).not.toBeNull();
    hub.child.kill('SIGTERM');
    await hub.exited;
    expect((await client.closed).code).toBe(1001);

    hub = await startChildHub(dataDir, { TICK_MS: '100' });
    const again = await LiveClient.open(hub.url);
    const welcome = await again.next<Extract<ServerMessage, { type: 'welcome' }>>(
      (m) => m.type === 'welcome',
    );
    expect(welcome.epoch).not.toBe(epoch);
    again.send({
      type: 'subscribe',
      id: 's',
      topic: 'tiles',
      params: tiles,
      resumeFrom: { epoch, seq: snapshot.seq },
    });
    const fresh = await again.next((m) => m.type === 'snapshot' || m.type === 'delta');
    expect(fresh.type).toBe('snapshot');
    // "Data as of" is the last commit of the earlier run, not unknown.
    expect((fresh as Snapshot).asOf).toBe(asOfBefore);
    again.close();
    hub.child.kill('SIGTERM');
    await hub.exited;
  });
});
