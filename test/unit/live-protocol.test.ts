// The live protocol's shared pieces: the key helpers agree with the schemas' key patterns, the
// readers pick entries of one kind, and the socket's own messages (welcome, heartbeat, pong,
// errors) are those of ServerMessage.
import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import { Value } from 'typebox/value';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type WebSocket from 'ws';
import { alertKey, applyDelta, entriesOf, pointKey, rowKey, tileKey } from '../../shared/live.js';
import {
  ServerMessage,
  TopicData,
  TopicParts,
  type Alert,
  type SeriesPoint,
} from '../../shared/schemas/live.js';
import type { LiveEngine } from '../../server/engine/engine.js';
import { ClientShares, DEFAULT_LIMITS, serveSocket } from '../../server/live/socket.js';

const at = '2026-03-10T10:00:00.000Z';
const alert: Alert = {
  id: 'a1',
  kind: 'rejected_burst',
  severity: 'critical',
  message: { en: 'e', fr: 'f' },
  at,
  acknowledged: false,
  subject: {},
};
const point = (bucket: string): SeriesPoint => ({ bucket, values: { acme: 1, globex: null } });

describe('the key helpers', () => {
  it('spell the wire’s keys', () => {
    expect([tileKey('mentions'), rowKey('acme'), pointKey(at), alertKey('a1')]).toEqual([
      'tile:mentions',
      'row:acme',
      `p:${at}`,
      'alert:a1',
    ]);
  });

  it('build keys that the topics’ schemas accept, and only under their own topic', () => {
    const points = { [pointKey(at)]: point(at) };
    const alerts = { [alertKey(alert.id)]: alert };
    expect(Value.Check(TopicData.series, points)).toBe(true);
    expect(Value.Check(TopicData.alerts, alerts)).toBe(true);
    expect(Value.Check(TopicParts.series, points)).toBe(true);
    expect(Value.Check(TopicData.series, alerts)).toBe(false);
    expect(Value.Check(TopicData.alerts, points)).toBe(false);
    expect(Value.Check(TopicData.series, { [rowKey(at)]: point(at) })).toBe(false);
  });
});

describe('entriesOf', () => {
  it('picks the entries under one prefix, in key order, and nothing from no record', () => {
    const data: TopicData<'benchmark'> = {
      kpi: 'mentions',
      window: { from: at, to: at },
      previousWindow: { from: at, to: at },
      set: { average: 1, median: 1, leader: 'acme' },
      'row:globex': {
        brand: 'globex',
        name: 'Globex',
        own: false,
        value: 2,
        previous: null,
        delta: null,
        deltaPct: null,
        rank: 1,
        index: null,
        share: null,
        gapToLeader: null,
      },
    };
    expect(entriesOf(data, 'row:').map((r) => r.brand)).toEqual(['globex']);
    expect(entriesOf(null as TopicData<'alerts'> | null, 'alert:')).toEqual([]);
    const points: TopicData<'series'> = { [pointKey('b')]: point('b'), [pointKey('a')]: point('a') };
    expect(entriesOf(points, 'p:').map((p) => p.bucket)).toEqual(['b', 'a']);
  });
});

describe('applyDelta', () => {
  it('keeps the record’s type: the parts set replaced, those removed gone', () => {
    const before: TopicData<'series'> = { [pointKey('a')]: point('a'), [pointKey('b')]: point('b') };
    const after = applyDelta(before, { set: { [pointKey('c')]: point('c') }, remove: [pointKey('a')] });
    expect(Object.keys(after)).toEqual(['p:b', 'p:c']);
    expect(Value.Check(TopicData.series, after)).toBe(true);
    expect(Object.keys(before)).toEqual(['p:a', 'p:b']);
  });
});

/** What serveSocket uses of a `ws` socket, recording what it sends. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: unknown[] = [];
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  ping(): void {}
  close(): void {
    this.readyState = 3;
  }
  terminate(): void {
    this.readyState = 3;
  }
}

describe('the socket’s own messages', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('are ServerMessages: welcome, heartbeat, pong and errors', async () => {
    vi.useFakeTimers();
    const socket = new FakeSocket();
    const engine = { subscribe: async () => {}, unsubscribe: () => {} } as unknown as LiveEngine;
    serveSocket(socket as unknown as WebSocket, {
      engine,
      epoch: 'e1',
      log: { error: () => {} } as unknown as FastifyBaseLogger,
      limits: { ...DEFAULT_LIMITS, heartbeatMs: 10 },
      clients: new ClientShares(),
      client: 'test',
      // Signed in and allowed everything: this test is about the wire, not access.
      access: { check: () => {}, valid: () => true, watch: () => () => {} },
    });
    vi.advanceTimersByTime(10);
    const say = async (text: string) => {
      socket.emit('message', Buffer.from(text), false);
      await vi.advanceTimersByTimeAsync(0);
    };
    await say('{"type":"ping"}');
    await say('{"type":"unsubscribe","id":"none"}');
    await say('{"type":"nope"}');
    socket.emit('close');
    expect(socket.sent.map((m) => (m as { type: string }).type)).toEqual([
      'welcome',
      'heartbeat',
      'pong',
      'error',
      'error',
    ]);
    for (const m of socket.sent) {
      expect(Value.Check(ServerMessage, m), JSON.stringify(m)).toBe(true);
    }
  });
});
