import type { FastifyBaseLogger } from 'fastify';
import { ApiError } from '../errors.js';
import { Compile } from 'typebox/compile';
import type WebSocket from 'ws';
import { ClientMessage, type ServerMessage, type Subscribe } from '../../shared/schemas/live.js';
import type { LiveEngine, Subscriber } from './engine.js';

const validator = Compile(ClientMessage);

export interface SocketLimits {
  /** A client message larger than this closes the socket (policy violation). */
  maxMessageBytes: number;
  /** Invalid messages tolerated per minute before the socket is closed. */
  maxInvalidPerMinute: number;
  /** Past this backlog (bytes) a client gets no deltas until it drains, then a snapshot. */
  backlogBytes: number;
  /** A client backed up for this long is disconnected. */
  maxStuckMs: number;
  maxSubscriptions: number;
  heartbeatMs: number;
}

export const DEFAULT_LIMITS: SocketLimits = {
  maxMessageBytes: 16 * 1024,
  maxInvalidPerMinute: 20,
  backlogBytes: 256 * 1024,
  maxStuckMs: 120_000,
  maxSubscriptions: 64,
  heartbeatMs: 15_000,
};

const POLICY_VIOLATION = 1008;

/** One websocket client: validates what it says, runs its subscriptions, bounds what it is owed. */
export function serveSocket(
  socket: WebSocket,
  engine: LiveEngine,
  epoch: string,
  log: FastifyBaseLogger,
  limits: SocketLimits = DEFAULT_LIMITS,
): void {
  const subscriptions = new Map<string, { subscription: Subscribe; subscriber: Subscriber }>();
  let invalid: number[] = [];
  let stuckSince: number | undefined;

  const send = (message: ServerMessage) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  const congested = () => {
    const backed = socket.bufferedAmount > limits.backlogBytes;
    if (!backed) stuckSince = undefined;
    else if (stuckSince === undefined) stuckSince = Date.now();
    else if (Date.now() - stuckSince > limits.maxStuckMs) socket.terminate();
    return backed;
  };
  const fail = (code: string, message: string, hint: string, id?: string) =>
    send({ type: 'error', ...(id ? { id } : {}), code, message, hint });

  const rejectInvalid = (message: string, hint: string, id?: string) => {
    const now = Date.now();
    invalid = invalid.filter((t) => now - t < 60_000);
    invalid.push(now);
    if (invalid.length > limits.maxInvalidPerMinute) {
      socket.close(POLICY_VIOLATION, `more than ${limits.maxInvalidPerMinute} invalid messages in a minute`);
      return;
    }
    fail('invalid_message', message, hint, id);
  };

  const onMessage = async (raw: WebSocket.RawData, isBinary: boolean) => {
    const size = Array.isArray(raw) ? raw.reduce((n, b) => n + b.length, 0) : (raw as Buffer).byteLength;
    if (size > limits.maxMessageBytes) {
      socket.close(POLICY_VIOLATION, `message of ${size} bytes; at most ${limits.maxMessageBytes}`);
      return;
    }
    if (isBinary)
      return rejectInvalid('Binary frames are not part of the protocol.', 'Send JSON text frames.');
    let message: unknown;
    try {
      message = JSON.parse(raw.toString());
    } catch {
      return rejectInvalid(
        'The message is not JSON.',
        'Send one JSON object per frame, e.g. {"type":"ping"}.',
      );
    }
    if (!validator.Check(message)) {
      const id = (message as { id?: unknown })?.id;
      const first = validator.Errors(message)[0];
      return rejectInvalid(
        `The message does not match the protocol${first ? `: ${first.instancePath || '/'} ${first.message}` : ''}.`,
        'Messages: subscribe {id, topic, params, resumeFrom?}, unsubscribe {id}, ping; topics tiles, benchmark, series, quality, alerts (see shared/schemas/live.ts).',
        typeof id === 'string' ? id : undefined,
      );
    }
    const m = message as ClientMessage;
    switch (m.type) {
      case 'ping':
        return send({ type: 'pong' });
      case 'unsubscribe': {
        const s = subscriptions.get(m.id);
        if (!s)
          return fail(
            'unknown_subscription',
            `No subscription "${m.id}" on this socket.`,
            'Unsubscribe an id you subscribed.',
            m.id,
          );
        subscriptions.delete(m.id);
        engine.unsubscribe(s.subscription, s.subscriber);
        return;
      }
      case 'subscribe': {
        if (subscriptions.has(m.id)) {
          return fail(
            'duplicate_subscription',
            `Subscription "${m.id}" already exists on this socket.`,
            'Use a new id, or unsubscribe it first.',
            m.id,
          );
        }
        if (subscriptions.size >= limits.maxSubscriptions) {
          return fail(
            'too_many_subscriptions',
            `At most ${limits.maxSubscriptions} subscriptions per socket.`,
            'Unsubscribe what is no longer shown.',
            m.id,
          );
        }
        const mine = () => subscriptions.get(m.id)?.subscriber === subscriber;
        const subscriber: Subscriber = {
          id: m.id,
          lastSeq: null,
          stale: false,
          send,
          congested,
          // The server ended it (its workspace or KPI went away): the id is free again.
          ended: () => {
            if (mine()) subscriptions.delete(m.id);
          },
          active: () => mine() && socket.readyState === socket.OPEN,
        };
        subscriptions.set(m.id, { subscription: m, subscriber });
        const resume = m.resumeFrom && m.resumeFrom.epoch === epoch ? m.resumeFrom.seq : undefined;
        try {
          await engine.subscribe(m, subscriber, resume);
        } catch (err) {
          // Unsubscribed (and maybe subscribed again under the same id) meanwhile: not ours to answer.
          if (!mine()) return;
          subscriptions.delete(m.id);
          if (err instanceof ApiError && err.status < 500) return fail(err.code, err.message, err.hint, m.id);
          log.error({ err }, 'live subscription failed');
          return fail(
            'internal',
            'The subscription could not be computed.',
            'Try again; the server log has the details.',
            m.id,
          );
        }
        // Unsubscribed or closed during the first compute (a close unsubscribes what it knows of).
        if (!subscriber.active()) engine.unsubscribe(m, subscriber);
        return;
      }
    }
  };

  // Attached before any await, or early messages are lost (see STACK.md).
  socket.on('message', (raw, isBinary) => {
    onMessage(raw, isBinary).catch((err: unknown) => log.error({ err }, 'live message failed'));
  });
  // A protocol-level ping each heartbeat: a half-open socket misses its pong and is dropped.
  let alive = true;
  socket.on('pong', () => {
    alive = true;
  });
  const heartbeat = setInterval(() => {
    if (!alive) return socket.terminate();
    alive = false;
    socket.ping();
    if (!congested()) send({ type: 'heartbeat', at: new Date().toISOString() });
  }, limits.heartbeatMs);
  socket.on('close', () => {
    clearInterval(heartbeat);
    for (const { subscription, subscriber } of subscriptions.values())
      engine.unsubscribe(subscription, subscriber);
    subscriptions.clear();
  });
  send({ type: 'welcome', epoch, heartbeatMs: limits.heartbeatMs });
}
