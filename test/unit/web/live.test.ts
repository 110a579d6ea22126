// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watch } from 'vue';
import type { Changes, ClientMessage, LiveData, ServerMessage } from '../../../shared/schemas/live.js';
import { LiveClient } from '../../../web/src/composables/useLive.js';

/** A WebSocket the test drives from the server's side (stubbed as the global WebSocket). */
class FakeSocket {
  static instances: FakeSocket[] = [];
  static closeEvents = false;
  readyState = 0;
  sent: ClientMessage[] = [];
  closedWith: number | null = null;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as ClientMessage);
  }
  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
    // A browser reports the close later, as an event; tests that care ask for it.
    if (FakeSocket.closeEvents) setTimeout(() => this.onclose?.({ code }), 50);
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: ServerMessage): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({});
  }
  subscribes() {
    return this.sent.filter((m) => m.type === 'subscribe');
  }
}

const last = () => FakeSocket.instances[FakeSocket.instances.length - 1]!;

/** Frames run when the test says so. */
let frames: (() => void)[] = [];
const flushFrames = () => frames.splice(0).forEach((f) => f());

function client(options: Partial<ConstructorParameters<typeof LiveClient>[0]> = {}): LiveClient {
  return new LiveClient({
    url: 'ws://hub/api/v1/live',
    frame: (callback) => frames.push(callback),
    ...options,
  });
}

/** What the server's engine does: the parts that differ between two records. */
function diff(before: LiveData, after: LiveData): Changes {
  const set: LiveData = {};
  for (const [key, value] of Object.entries(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(value)) set[key] = value;
  }
  return { set, remove: Object.keys(before).filter((key) => !(key in after)) };
}

const TILES = { workspace: 'demo', kpis: ['mentions', 'share_of_voice'], window: '24h' };

beforeEach(() => {
  FakeSocket.instances = [];
  FakeSocket.closeEvents = false;
  frames = [];
  vi.stubGlobal('WebSocket', FakeSocket);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('useLive: state per subscription', () => {
  it('holds after a snapshot and its deltas exactly what a fresh snapshot would carry', () => {
    const live = client();
    const socket = last();
    socket.open();
    socket.receive({ type: 'welcome', epoch: 'e1', heartbeatMs: 15_000 });
    const tiles = live.subscribe('tiles', TILES);
    const id = socket.subscribes()[0]!.id;

    const records: LiveData[] = [
      { window: { from: 'a' }, 'tile:mentions': { value: 10 }, 'tile:share_of_voice': { value: 0.2 } },
      { window: { from: 'a' }, 'tile:mentions': { value: 12 }, 'tile:share_of_voice': { value: 0.2 } },
      { window: { from: 'b' }, 'tile:mentions': { value: 12 }, 'tile:share_of_voice': { value: 0.25 } },
      { window: { from: 'b' }, 'tile:share_of_voice': { value: 0.3 }, 'tile:visits': { value: 7 } },
    ];
    socket.receive({ type: 'snapshot', id, seq: 1, asOf: '2026-11-28T10:00:00.000Z', data: records[0]! });
    for (let i = 1; i < records.length; i++) {
      socket.receive({
        type: 'delta',
        id,
        seq: 1 + i,
        asOf: `2026-11-28T10:00:0${i}.000Z`,
        changes: diff(records[i - 1]!, records[i]!),
      });
    }
    flushFrames();
    expect(tiles.data.value).toEqual(records[records.length - 1]);
    expect(tiles.asOf.value).toBe('2026-11-28T10:00:03.000Z');
  });

  it('publishes only the latest record once per animation frame', () => {
    const live = client();
    const socket = last();
    socket.open();
    const sub = live.subscribe('quality', { workspace: 'demo' });
    const id = socket.subscribes()[0]!.id;
    const seen: unknown[] = [];
    watch(sub.data, (value) => seen.push(value), { flush: 'sync' });

    socket.receive({ type: 'snapshot', id, seq: 10, asOf: null, data: { counters: { accepted: 1 } } });
    socket.receive({
      type: 'delta',
      id,
      seq: 11,
      asOf: null,
      changes: { set: { counters: { accepted: 2 } }, remove: [] },
    });
    socket.receive({
      type: 'delta',
      id,
      seq: 12,
      asOf: null,
      changes: { set: { counters: { accepted: 3 } }, remove: [] },
    });
    expect(sub.data.value).toBeNull();
    expect(frames).toHaveLength(1);
    flushFrames();
    expect(seen).toEqual([{ counters: { accepted: 3 } }]);
  });

  it('resubscribes under a new id on a seq gap and keeps showing the last record meanwhile', () => {
    const live = client();
    const socket = last();
    socket.open();
    const sub = live.subscribe('alerts', { workspace: 'demo' });
    const first = socket.subscribes()[0]!.id;
    socket.receive({ type: 'snapshot', id: first, seq: 4, asOf: null, data: { 'alert:a': { id: 'a' } } });
    flushFrames();

    socket.receive({
      type: 'delta',
      id: first,
      seq: 6,
      asOf: null,
      changes: { set: { 'alert:b': { id: 'b' } }, remove: [] },
    });
    flushFrames();
    expect(socket.sent.slice(-2)).toEqual([
      { type: 'unsubscribe', id: first },
      {
        type: 'subscribe',
        id: expect.not.stringMatching(`^${first}$`),
        topic: 'alerts',
        params: { workspace: 'demo' },
      },
    ]);
    const second = socket.subscribes()[1]!;
    expect(second).not.toHaveProperty('resumeFrom');
    // The gapped delta was not applied, and nothing was cleared.
    expect(sub.data.value).toEqual({ 'alert:a': { id: 'a' } });

    // Late messages of the old id are ignored; the new snapshot takes over.
    socket.receive({ type: 'delta', id: first, seq: 7, asOf: null, changes: { set: { x: 1 }, remove: [] } });
    socket.receive({
      type: 'snapshot',
      id: second.id,
      seq: 20,
      asOf: null,
      data: { 'alert:a': { id: 'a' }, 'alert:b': { id: 'b' } },
    });
    socket.receive({
      type: 'delta',
      id: second.id,
      seq: 21,
      asOf: null,
      changes: { set: {}, remove: ['alert:a'] },
    });
    flushFrames();
    expect(sub.data.value).toEqual({ 'alert:b': { id: 'b' } });
  });

  it('ignores a delta it already applied (a replay after resuming)', () => {
    const live = client();
    const socket = last();
    socket.open();
    const sub = live.subscribe('quality', { workspace: 'demo' });
    const id = socket.subscribes()[0]!.id;
    socket.receive({ type: 'snapshot', id, seq: 1, asOf: null, data: { n: 1 } });
    socket.receive({ type: 'delta', id, seq: 2, asOf: null, changes: { set: { n: 2 }, remove: [] } });
    socket.receive({ type: 'delta', id, seq: 2, asOf: null, changes: { set: { n: 2 }, remove: [] } });
    flushFrames();
    expect(sub.data.value).toEqual({ n: 2 });
    expect(socket.subscribes()).toHaveLength(1);
  });

  it('surfaces an error about a subscription on that subscription', () => {
    const live = client();
    const socket = last();
    socket.open();
    const sub = live.subscribe('benchmark', { workspace: 'demo', kpi: 'nope', window: '7d' });
    const id = socket.subscribes()[0]!.id;
    socket.receive({
      type: 'error',
      id,
      code: 'unknown_kpi',
      message: 'KPI "nope" does not exist.',
      hint: 'List them.',
    });
    flushFrames();
    expect(sub.error.value).toEqual({
      code: 'unknown_kpi',
      message: 'KPI "nope" does not exist.',
      hint: 'List them.',
    });
  });

  it('says which workspace is gone when the hub ends a subscription for it', () => {
    const gone: string[] = [];
    const live = client({ onWorkspaceGone: (workspace) => gone.push(workspace) });
    const socket = last();
    socket.open();
    live.subscribe('tiles', { ...TILES, workspace: 'client-b' });
    live.subscribe('benchmark', { workspace: 'demo', kpi: 'nope', window: '7d' });
    const [tiles, benchmark] = socket.subscribes();
    const error = (id: string, code: string) =>
      socket.receive({ type: 'error', id, code, message: 'Gone.', hint: 'Open another.' });
    error(benchmark!.id, 'unknown_kpi');
    expect(gone, 'a missing KPI is not a missing workspace').toEqual([]);
    error(tiles!.id, 'unknown_workspace');
    expect(gone).toEqual(['client-b']);
  });

  it('moves a subscription to new parameters without blanking it', () => {
    const live = client();
    const socket = last();
    socket.open();
    const sub = live.subscribe('tiles', TILES);
    const id = socket.subscribes()[0]!.id;
    socket.receive({ type: 'snapshot', id, seq: 1, asOf: null, data: { window: '24h' } });
    flushFrames();
    sub.setParams({ ...TILES, window: '7d' });
    expect(socket.sent.at(-2)).toEqual({ type: 'unsubscribe', id });
    expect(socket.sent.at(-1)).toMatchObject({ type: 'subscribe', topic: 'tiles', params: { window: '7d' } });
    expect(sub.data.value).toEqual({ window: '24h' });
  });

  it('sends nothing more for a closed subscription and ignores its messages', () => {
    const live = client();
    const socket = last();
    socket.open();
    const sub = live.subscribe('quality', { workspace: 'demo' });
    const id = socket.subscribes()[0]!.id;
    sub.close();
    expect(socket.sent.at(-1)).toEqual({ type: 'unsubscribe', id });
    socket.receive({ type: 'snapshot', id, seq: 1, asOf: null, data: { n: 1 } });
    flushFrames();
    expect(sub.data.value).toBeNull();
  });
});

describe('useLive: connection', () => {
  it('reports connecting, open, then closed when the socket drops', () => {
    vi.useFakeTimers();
    const live = client();
    expect(live.status.value).toBe('connecting');
    last().open();
    expect(live.status.value).toBe('open');
    last().drop();
    expect(live.status.value).toBe('closed');
    vi.advanceTimersByTime(1_000);
    expect(live.status.value).toBe('connecting');
    live.close();
  });

  it('reconnects after 1 s, 2 s, 4 s … capped at 30 s, and starts again at 1 s after a welcome', () => {
    vi.useFakeTimers();
    const live = client();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 8; attempt++) {
      const count = FakeSocket.instances.length;
      last().drop();
      let waited = 0;
      while (FakeSocket.instances.length === count) {
        vi.advanceTimersByTime(100);
        waited += 100;
        if (waited > 60_000) throw new Error('no reconnect within a minute');
      }
      delays.push(waited);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);

    // A connection the server welcomes resets the backoff.
    last().open();
    last().receive({ type: 'welcome', epoch: 'e2', heartbeatMs: 15_000 });
    last().drop();
    vi.advanceTimersByTime(999);
    const count = FakeSocket.instances.length;
    vi.advanceTimersByTime(1);
    expect(FakeSocket.instances.length).toBe(count + 1);
    live.close();
  });

  it('does not reset the backoff for a socket that opens but is never welcomed', () => {
    vi.useFakeTimers();
    const live = client();
    last().drop();
    vi.advanceTimersByTime(1_000);
    last().open();
    last().drop();
    vi.advanceTimersByTime(1_999);
    const count = FakeSocket.instances.length;
    vi.advanceTimersByTime(1);
    expect(FakeSocket.instances.length).toBe(count + 1);
    live.close();
  });

  it('sends every subscription again on reconnect with resumeFrom its last epoch and seq, keeping the data', () => {
    vi.useFakeTimers();
    const live = client();
    const first = last();
    first.open();
    first.receive({ type: 'welcome', epoch: 'e1', heartbeatMs: 15_000 });
    const tiles = live.subscribe('tiles', TILES);
    const quality = live.subscribe('quality', { workspace: 'demo' });
    const [tilesId, qualityId] = first.subscribes().map((m) => m.id);
    first.receive({
      type: 'snapshot',
      id: tilesId!,
      seq: 7,
      asOf: null,
      data: { 'tile:mentions': { value: 1 } },
    });
    first.receive({
      type: 'delta',
      id: tilesId!,
      seq: 8,
      asOf: null,
      changes: { set: { 'tile:mentions': { value: 2 } }, remove: [] },
    });
    flushFrames();

    first.drop();
    expect(tiles.data.value).toEqual({ 'tile:mentions': { value: 2 } });
    vi.advanceTimersByTime(1_000);
    const second = last();
    expect(second).not.toBe(first);
    expect(tiles.data.value).toEqual({ 'tile:mentions': { value: 2 } });
    second.open();
    const resent = second.subscribes();
    expect(resent).toHaveLength(2);
    expect(resent.find((m) => m.id === tilesId)).toEqual({
      type: 'subscribe',
      id: tilesId,
      topic: 'tiles',
      params: TILES,
      resumeFrom: { epoch: 'e1', seq: 8 },
    });
    // No message yet for quality: nothing to resume from, a snapshot is due.
    expect(resent.find((m) => m.id === qualityId)).not.toHaveProperty('resumeFrom');

    // The server resumes: the next delta applies on top of what was kept.
    second.receive({ type: 'welcome', epoch: 'e1', heartbeatMs: 15_000 });
    second.receive({
      type: 'delta',
      id: tilesId!,
      seq: 9,
      asOf: null,
      changes: { set: { 'tile:mentions': { value: 3 } }, remove: [] },
    });
    flushFrames();
    expect(tiles.data.value).toEqual({ 'tile:mentions': { value: 3 } });
    expect(quality.data.value).toBeNull();
    live.close();
  });

  it('pings after a heartbeat of silence and replaces a socket whose pong never comes', () => {
    vi.useFakeTimers();
    const live = client({ pongTimeoutMs: 500 });
    const socket = last();
    socket.open();
    socket.receive({ type: 'welcome', epoch: 'e1', heartbeatMs: 1_000 });

    // Heartbeats keep it quiet.
    vi.advanceTimersByTime(900);
    socket.receive({ type: 'heartbeat', at: '2026-11-28T10:00:00Z' });
    vi.advanceTimersByTime(900);
    expect(socket.sent.filter((m) => m.type === 'ping')).toHaveLength(0);

    // Silence: a ping; a pong in time keeps the socket.
    vi.advanceTimersByTime(100);
    expect(socket.sent.filter((m) => m.type === 'ping')).toHaveLength(1);
    vi.advanceTimersByTime(400);
    socket.receive({ type: 'pong' });
    vi.advanceTimersByTime(400);
    expect(socket.closedWith).toBeNull();

    // Silence again and no pong: the socket is given up and a new one dialled.
    vi.advanceTimersByTime(600);
    expect(socket.sent.filter((m) => m.type === 'ping')).toHaveLength(2);
    vi.advanceTimersByTime(499);
    expect(socket.closedWith).toBeNull();
    vi.advanceTimersByTime(1);
    expect(socket.closedWith).toBe(4000);
    expect(live.status.value).toBe('closed');
    vi.advanceTimersByTime(1_000);
    expect(FakeSocket.instances).toHaveLength(2);
    live.close();
  });

  it('dials once after giving up a socket, even when that socket reports its close late', () => {
    vi.useFakeTimers();
    FakeSocket.closeEvents = true;
    const live = client({ pongTimeoutMs: 500, heartbeatMs: 1_000 });
    last().open();
    vi.advanceTimersByTime(1_500);
    expect(last().closedWith).toBe(4000);
    // The close event arrives 50 ms later, within the backoff: nothing more is dialled.
    vi.advanceTimersByTime(999);
    expect(FakeSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.instances).toHaveLength(2);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.instances).toHaveLength(2);
    expect(live.status.value).toBe('connecting');
    live.close();
  });

  it('does not dial again when the socket closed on purpose reports its close', () => {
    vi.useFakeTimers();
    FakeSocket.closeEvents = true;
    const live = client();
    last().open();
    live.close();
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.instances).toHaveLength(1);
    expect(live.status.value).toBe('closed');
  });

  it('stops for good when closed', () => {
    vi.useFakeTimers();
    const live = client();
    last().open();
    live.close();
    expect(live.status.value).toBe('closed');
    expect(last().closedWith).toBe(1000);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it('waits for connect() when not immediate, and stays down after a 4401 until connect() again', () => {
    vi.useFakeTimers();
    let ended = 0;
    const live = client({ immediate: false, onSessionEnded: () => ended++ });
    expect(FakeSocket.instances).toHaveLength(0);
    live.connect();
    last().open();
    expect(live.status.value).toBe('open');
    // The hub ends the socket's session (signed out elsewhere, key revoked).
    last().readyState = 3;
    last().onclose?.({ code: 4401 });
    expect(ended).toBe(1);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.instances).toHaveLength(1);
    live.connect();
    expect(FakeSocket.instances).toHaveLength(2);
    live.close();
  });

  it('hangs up on suspend() and does not redial', () => {
    vi.useFakeTimers();
    const live = client();
    last().open();
    live.suspend();
    expect(last().closedWith).toBe(1000);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.instances).toHaveLength(1);
    live.close();
  });
});
