import type { FastifyBaseLogger } from 'fastify';
import { isCallerError } from '../errors.js';
import { Compile } from 'typebox/compile';
import type WebSocket from 'ws';
import { ClientMessage, type ServerMessage, type Subscribe } from '../../shared/schemas/live.js';
import type { LiveEngine, Subscriber } from '../engine/engine.js';

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
  /** Subscriptions of one socket. */
  maxSubscriptions: number;
  /** Subscriptions of one client (see clientKey) across all its sockets. */
  maxSubscriptionsPerClient: number;
  /** Sockets one client holds open at once; the next one is told why and closed (1008). */
  maxSocketsPerClient: number;
  heartbeatMs: number;
}

export const DEFAULT_LIMITS: SocketLimits = {
  maxMessageBytes: 16 * 1024,
  maxInvalidPerMinute: 20,
  backlogBytes: 256 * 1024,
  maxStuckMs: 120_000,
  maxSubscriptions: 64,
  // A page holds one socket and a few subscriptions (the wall: about ten): 16 tabs or screens per
  // address, 256 subscriptions in all, leaves room for a team behind one address.
  maxSubscriptionsPerClient: 256,
  maxSocketsPerClient: 16,
  heartbeatMs: 15_000,
};

const POLICY_VIOLATION = 1008;

/** What one client holds across its sockets. */
export interface ClientShare {
  readonly key: string;
  sockets: number;
  subscriptions: number;
}

/** Every client's share of the hub (one registry per hub). */
export class ClientShares {
  private readonly shares = new Map<string, ClientShare>();

  /** One more socket for client `key`; undefined when it holds `maxSockets` already. */
  open(key: string, maxSockets: number): ClientShare | undefined {
    let share = this.shares.get(key);
    if (share && share.sockets >= maxSockets) return undefined;
    if (!share) this.shares.set(key, (share = { key, sockets: 0, subscriptions: 0 }));
    share.sockets++;
    return share;
  }

  /** A socket of that client closed (its subscriptions given back first). */
  close(share: ClientShare): void {
    share.sockets--;
    if (share.sockets === 0 && this.shares.get(share.key) === share) this.shares.delete(share.key);
  }
}

export interface SocketContext {
  engine: LiveEngine;
  epoch: string;
  log: FastifyBaseLogger;
  limits: SocketLimits;
  clients: ClientShares;
  /** Whose socket it is (clientKey of its upgrade request). */
  client: string;
  /** What the credentials of the upgrade allow, checked per subscription and kept alive. */
  access: SocketAccess;
}

export interface SocketAccess {
  /** Throws the refusal (a workspace not visible) for a subscription to `workspace`. */
  check(workspace: string): void;
  /** Still signed in (a session in use is renewed by asking). */
  valid(): boolean;
  /** `end` runs when the session or key is ended elsewhere; the result stops watching. */
  watch(end: () => void): () => void;
}

/** Closed because the credentials ended: the page signs in again rather than reconnecting. */
export const SIGNED_OUT = 4401;

/** One websocket client: validates what it says, runs its subscriptions, bounds what it is owed. */
export function serveSocket(
  socket: WebSocket,
  { engine, epoch, log, limits, clients, client, access }: SocketContext,
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

  const share = clients.open(client, limits.maxSocketsPerClient);
  if (!share) {
    // Told why, then closed; no welcome, so that a browser's reconnect back-off keeps growing.
    fail(
      'too_many_sockets',
      `Too many live connections from one place: at most ${limits.maxSocketsPerClient} at once.`,
      'Close the dashboard tabs or screens you no longer watch; this page reconnects by itself.',
    );
    socket.close(POLICY_VIOLATION, `more than ${limits.maxSocketsPerClient} sockets from one client`);
    return;
  }
  // Every subscription of this socket counts in its client's share too.
  const hold = (id: string, entry: { subscription: Subscribe; subscriber: Subscriber }) => {
    subscriptions.set(id, entry);
    share.subscriptions++;
  };
  const release = (id: string) => {
    if (subscriptions.delete(id)) share.subscriptions--;
  };

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
        release(m.id);
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
        if (share.subscriptions >= limits.maxSubscriptionsPerClient) {
          return fail(
            'too_many_subscriptions',
            `Too many live views open at once: at most ${limits.maxSubscriptionsPerClient} subscriptions per client, across all its tabs and screens.`,
            'Close the dashboard tabs or screens you no longer watch, then reload this page.',
            m.id,
          );
        }
        try {
          access.check(m.params.workspace);
        } catch (err) {
          if (isCallerError(err)) return fail(err.code, err.message, err.hint, m.id);
          throw err;
        }
        const mine = () => subscriptions.get(m.id)?.subscriber === subscriber;
        const subscriber: Subscriber = {
          id: m.id,
          client: share.key,
          lastSeq: null,
          stale: false,
          send,
          congested,
          // The server ended it (its workspace or KPI went away): the id is free again.
          ended: () => {
            if (mine()) release(m.id);
          },
          active: () => mine() && socket.readyState === socket.OPEN,
        };
        hold(m.id, { subscription: m, subscriber });
        const resume = m.resumeFrom && m.resumeFrom.epoch === epoch ? m.resumeFrom.seq : undefined;
        try {
          await engine.subscribe(m, subscriber, resume);
        } catch (err) {
          // Unsubscribed (and maybe subscribed again under the same id) meanwhile: not ours to answer.
          if (!mine()) return;
          release(m.id);
          if (isCallerError(err)) return fail(err.code, err.message, err.hint, m.id);
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
  const signedOut = () => socket.close(SIGNED_OUT, 'signed out: the session or key has ended');
  const unwatch = access.watch(signedOut);
  const heartbeat = setInterval(() => {
    if (!alive) return socket.terminate();
    if (!access.valid()) return signedOut();
    alive = false;
    socket.ping();
    if (!congested()) send({ type: 'heartbeat', at: new Date().toISOString() });
  }, limits.heartbeatMs);
  socket.on('close', () => {
    clearInterval(heartbeat);
    unwatch();
    for (const { subscription, subscriber } of subscriptions.values())
      engine.unsubscribe(subscription, subscriber);
    share.subscriptions -= subscriptions.size;
    subscriptions.clear();
    clients.close(share);
  });
  send({ type: 'welcome', epoch, heartbeatMs: limits.heartbeatMs });
}
