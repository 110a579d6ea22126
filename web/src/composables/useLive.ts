// The live connection (GET /api/v1/live): one websocket per page, shared by every view.
//
// It keeps, per subscription, the record the server describes (a snapshot, then deltas applied with
// `applyDelta`), and publishes it to Vue at most once per animation frame: a burst of deltas costs
// one render. Nothing is cleared while the socket is down: the last record stays on screen, and on
// reconnect every subscription is sent again with `resumeFrom` so that the server sends only what
// was missed (or a fresh snapshot when it cannot).
//
// The socket itself (connect, reconnect with backoff, an intentional close that stays closed) is
// VueUse's useWebSocket. The heartbeat is ours: VueUse's pings at a fixed interval whatever the
// traffic, closes a silent socket with 1000 and redials only once that socket reports its close,
// which a half-open connection may never do in time; here any message proves the link alive, the
// period is the one the server announces, and a socket whose pong never comes is closed with 4000
// and replaced after the same backoff.
import { useTimeoutFn, useWebSocket, type UseTimeoutFnReturn, type UseWebSocketReturn } from '@vueuse/core';
import {
  computed,
  inject,
  onScopeDispose,
  ref,
  shallowRef,
  toValue,
  watch,
  type App,
  type ComputedRef,
  type InjectionKey,
  type MaybeRefOrGetter,
  type Ref,
  type ShallowRef,
} from 'vue';
import { applyDelta, type LiveData, type ServerMessage, type Topic } from '../../../shared/live.js';
import type { ClientMessage, Subscribe, TopicData } from '../../../shared/schemas/live.js';

export type LiveStatus = 'connecting' | 'open' | 'closed';

export type LiveParams<T extends Topic> = Extract<Subscribe, { topic: T }>['params'];

export interface LiveError {
  code: string;
  message: string;
  hint: string;
}

export interface LiveOptions {
  /** The socket is the global WebSocket (tests stub it). */
  url: string;
  /** Runs a callback before the next paint (requestAnimationFrame by default). */
  frame?: (callback: () => void) => void;
  /** First reconnect delay; it doubles after each failed attempt up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Silence after which the client pings; the server's heartbeat period once welcomed. */
  heartbeatMs?: number;
  /** How long a ping may go unanswered before the socket is deemed dead and replaced. */
  pongTimeoutMs?: number;
  /** Dial at once (the default); false waits for connect(), e.g. until the page is signed in. */
  immediate?: boolean;
  /** The hub closed the socket because the session ended (4401): no redial until connect(). */
  onSessionEnded?: () => void;
  /** The hub ended a subscription because its workspace does not exist (any more). */
  onWorkspaceGone?: (workspace: string) => void;
}

export interface LiveSubscription<T extends Topic = Topic> {
  readonly topic: T;
  /** The record (snapshot + deltas); null until the first snapshot, never cleared afterwards. */
  readonly data: ShallowRef<TopicData<T> | null>;
  /** When the data was computed (the hub's clock). */
  readonly asOf: Ref<string | null>;
  readonly error: ShallowRef<LiveError | null>;
  /** Switches to other parameters; the old record stays shown until the new snapshot. */
  setParams(params: LiveParams<T>): void;
  close(): void;
}

interface Entry {
  wireId: string;
  topic: Topic;
  params: unknown;
  data: LiveData | null;
  seq: number | null;
  /** The server epoch that issued `seq`: a resume is only meaningful within it. */
  epoch: string | null;
  asOf: string | null;
  error: LiveError | null;
  refs: {
    data: ShallowRef<LiveData | null>;
    asOf: Ref<string | null>;
    error: ShallowRef<LiveError | null>;
  };
}

/** Application close code for a socket abandoned after a missed pong (4000–4999 are ours). */
const HEARTBEAT_TIMEOUT = 4000;
/** The hub's close code when the socket's session ends (signed out, password changed, key revoked). */
export const SESSION_ENDED = 4401;

const STATUS = { CONNECTING: 'connecting', OPEN: 'open', CLOSED: 'closed' } as const;

type Timeout = UseTimeoutFnReturn<() => void>;

function defaultFrame(): (callback: () => void) => void {
  const g = globalThis as { requestAnimationFrame?: (callback: () => void) => number };
  if (g.requestAnimationFrame) return (callback) => g.requestAnimationFrame!(callback);
  return (callback) => setTimeout(callback, 16);
}

export class LiveClient {
  /** connecting: a socket is being opened; open: it is; closed: down, a retry is scheduled. */
  readonly status: Readonly<Ref<LiveStatus>>;
  /** The last error that concerned no subscription in particular. */
  readonly lastError: ShallowRef<LiveError | null> = shallowRef(null);
  /** When the next reconnect attempt is due (ms since epoch), for the status line. */
  readonly retryAt: Ref<number | null> = ref(null);

  private readonly frame: (callback: () => void) => void;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private heartbeatMs: number;

  private readonly socket: UseWebSocketReturn<string>;
  /** Runs after a heartbeat period without any message: ping. */
  private readonly silence: Timeout;
  /** Runs when a ping went unanswered: the socket is given up. */
  private readonly pong: Timeout;
  /** Dials again after a socket given up on a missed pong (drops are redialled by useWebSocket). */
  private readonly redial: Timeout;
  private redialDelayMs = 0;
  private epoch: string | null = null;
  /** Failed attempts since the last welcome: the backoff's exponent. */
  private attempt = 0;
  private stopped = false;
  /** Signed out: no redial until connect() (a new session). */
  private suspended = false;
  private readonly onSessionEnded: () => void;
  private readonly onWorkspaceGone: (workspace: string) => void;
  private nextId = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly dirty = new Set<Entry>();
  private framePending = false;

  constructor(options: LiveOptions) {
    this.frame = options.frame ?? defaultFrame();
    this.minDelayMs = options.minDelayMs ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.onSessionEnded = options.onSessionEnded ?? (() => {});
    this.onWorkspaceGone = options.onWorkspaceGone ?? (() => {});
    this.silence = useTimeoutFn(
      () => this.ping(),
      () => this.heartbeatMs,
      { immediate: false },
    );
    this.pong = useTimeoutFn(() => this.heartbeatLost(), options.pongTimeoutMs ?? 10_000, {
      immediate: false,
    });
    this.redial = useTimeoutFn(
      () => this.socket.open(),
      () => this.redialDelayMs,
      { immediate: false },
    );
    this.socket = useWebSocket<string>(options.url, {
      // The client lives as long as the page and is closed by close(), not by a component's scope.
      autoClose: false,
      autoConnect: false,
      immediate: options.immediate ?? true,
      autoReconnect: { retries: () => !this.stopped && !this.suspended, delay: () => this.backoff() },
      onConnected: () => this.opened(),
      onDisconnected: (ws, event) => this.dropped(ws, event),
      onMessage: (ws, event) => {
        if (ws === this.socket.ws.value) this.receive(event.data);
      },
    });
    this.status = computed(() => STATUS[this.socket.status.value]);
  }

  subscribe<T extends Topic>(topic: T, params: LiveParams<T>): LiveSubscription<T> {
    const entry: Entry = {
      wireId: this.newId(),
      topic,
      params,
      data: null,
      seq: null,
      epoch: null,
      asOf: null,
      error: null,
      refs: { data: shallowRef(null), asOf: ref(null), error: shallowRef(null) },
    };
    this.entries.set(entry.wireId, entry);
    this.sendSubscribe(entry);
    return {
      topic,
      // The server sends a subscription of topic T the data of T (test/integration/live-wire.test.ts).
      data: entry.refs.data as ShallowRef<TopicData<T> | null>,
      asOf: entry.refs.asOf,
      error: entry.refs.error,
      setParams: (next) => {
        entry.params = next;
        this.resubscribe(entry);
      },
      close: () => {
        if (this.entries.get(entry.wireId) !== entry) return;
        this.entries.delete(entry.wireId);
        this.dirty.delete(entry);
        this.send({ type: 'unsubscribe', id: entry.wireId });
      },
    };
  }

  /** Dials (again) after a sign-in; a socket already up or dialling is kept. */
  connect(): void {
    if (this.stopped) return;
    this.suspended = false;
    if (this.socket.status.value === 'CLOSED') {
      this.attempt = 0;
      this.socket.open();
    }
  }

  /** Hangs up until connect(): the page is signed out, the hub would refuse the socket. */
  suspend(): void {
    this.suspended = true;
    this.stopHeartbeat();
    this.redial.stop();
    this.socket.close(1000, 'signed out');
    this.retryAt.value = null;
  }

  /** Closes for good (page unload, tests): no reconnect. */
  close(): void {
    this.stopped = true;
    this.stopHeartbeat();
    this.redial.stop();
    this.socket.close(1000, 'client closed');
    this.retryAt.value = null;
  }

  private newId(): string {
    return `s${++this.nextId}`;
  }

  private opened(): void {
    this.retryAt.value = null;
    this.armHeartbeat();
    for (const entry of this.entries.values()) this.sendSubscribe(entry);
  }

  /** A socket that closed on its own; useWebSocket redials after `backoff()`. */
  private dropped(ws: unknown, event: { code?: number } | undefined): void {
    // A socket we closed ourselves reports its close later, when another may be up.
    if (ws !== this.socket.ws.value) return;
    this.stopHeartbeat();
    if (event?.code === SESSION_ENDED) {
      // Checked by autoReconnect's retries, which runs right after this.
      this.suspended = true;
      this.retryAt.value = null;
      this.onSessionEnded();
    }
  }

  /** The next reconnect delay: it doubles after each failed attempt, up to maxDelayMs. */
  private backoff(): number {
    const delay = Math.min(this.minDelayMs * 2 ** this.attempt, this.maxDelayMs);
    this.attempt++;
    this.retryAt.value = Date.now() + delay;
    return delay;
  }

  /** Any message proves the link alive; after a heartbeat period of silence, ask with a ping. */
  private armHeartbeat(): void {
    this.pong.stop();
    this.silence.start();
  }

  private stopHeartbeat(): void {
    this.silence.stop();
    this.pong.stop();
  }

  private ping(): void {
    this.send({ type: 'ping' });
    this.pong.start();
  }

  /** A half-open TCP connection may never report its close: give it up and dial again. */
  private heartbeatLost(): void {
    this.stopHeartbeat();
    // useWebSocket's close: this socket's own close event, whenever it comes, redials nothing.
    this.socket.close(HEARTBEAT_TIMEOUT, 'heartbeat timeout');
    if (this.stopped || this.suspended) return;
    this.redialDelayMs = this.backoff();
    this.redial.start();
  }

  private receive(raw: unknown): void {
    this.armHeartbeat();
    let message: ServerMessage;
    try {
      message = JSON.parse(String(raw)) as ServerMessage;
    } catch {
      return;
    }
    switch (message.type) {
      case 'welcome':
        this.epoch = message.epoch;
        this.heartbeatMs = message.heartbeatMs;
        this.attempt = 0;
        this.armHeartbeat();
        return;
      case 'snapshot': {
        const entry = this.entries.get(message.id);
        if (!entry) return;
        entry.data = message.data;
        entry.seq = message.seq;
        entry.epoch = this.epoch;
        entry.asOf = message.asOf;
        entry.error = null;
        this.markDirty(entry);
        return;
      }
      case 'delta': {
        const entry = this.entries.get(message.id);
        if (!entry) return;
        // A replay after a resume may repeat what we already hold.
        if (entry.seq !== null && message.seq <= entry.seq) return;
        if (entry.data === null || entry.seq === null || message.seq !== entry.seq + 1) {
          // A missed delta: the record can no longer be trusted, ask for a fresh snapshot.
          this.resubscribe(entry);
          return;
        }
        entry.data = applyDelta(entry.data, message.changes);
        entry.seq = message.seq;
        entry.epoch = this.epoch;
        entry.asOf = message.asOf;
        this.markDirty(entry);
        return;
      }
      case 'error': {
        const error = { code: message.code, message: message.message, hint: message.hint };
        const entry = message.id === undefined ? undefined : this.entries.get(message.id);
        if (!entry) {
          this.lastError.value = error;
          return;
        }
        entry.error = error;
        this.markDirty(entry);
        const workspace = (entry.params as { workspace?: unknown }).workspace;
        if (message.code === 'unknown_workspace' && typeof workspace === 'string')
          this.onWorkspaceGone(workspace);
        return;
      }
      case 'pong':
      case 'heartbeat':
        return;
    }
  }

  /** Drops the subscription on the server and opens it again under a new id (fresh snapshot). */
  private resubscribe(entry: Entry): void {
    this.entries.delete(entry.wireId);
    this.send({ type: 'unsubscribe', id: entry.wireId });
    entry.wireId = this.newId();
    entry.seq = null;
    entry.epoch = null;
    this.entries.set(entry.wireId, entry);
    this.sendSubscribe(entry);
  }

  private sendSubscribe(entry: Entry): void {
    const resume =
      entry.seq !== null && entry.epoch !== null
        ? { resumeFrom: { epoch: entry.epoch, seq: entry.seq } }
        : {};
    this.send({
      type: 'subscribe',
      id: entry.wireId,
      topic: entry.topic,
      params: entry.params,
      ...resume,
    } as Subscribe);
  }

  private send(message: ClientMessage): void {
    // Not open: subscriptions go out (again) when it opens; pings and unsubscribes are moot, so
    // nothing is buffered.
    this.socket.send(JSON.stringify(message), false);
  }

  private markDirty(entry: Entry): void {
    this.dirty.add(entry);
    if (this.framePending) return;
    this.framePending = true;
    this.frame(() => this.flush());
  }

  /** Publishes the latest record of every subscription that changed since the last frame. */
  private flush(): void {
    this.framePending = false;
    for (const entry of this.dirty) {
      entry.refs.data.value = entry.data;
      entry.refs.asOf.value = entry.asOf;
      entry.refs.error.value = entry.error;
    }
    this.dirty.clear();
  }
}

/** The live endpoint of the page's own origin (ws: or wss: to match it). */
export function liveUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/live`;
}

const LIVE: InjectionKey<LiveClient> = Symbol('live');

export function provideLive(app: App, client: LiveClient): void {
  app.provide(LIVE, client);
}

export function useLive(): LiveClient {
  const client = inject(LIVE);
  if (!client) throw new Error('useLive(): no live client provided (see provideLive in main.ts).');
  return client;
}

export interface LiveTopic<T extends Topic = Topic> {
  data: ComputedRef<TopicData<T> | null>;
  asOf: ComputedRef<string | null>;
  error: ComputedRef<LiveError | null>;
}

/**
 * A topic for as long as the calling component lives. `params` may change (the subscription moves,
 * the last record stays shown meanwhile) or be null (nothing to subscribe to yet).
 */
export function useLiveTopic<T extends Topic>(
  topic: T,
  params: MaybeRefOrGetter<LiveParams<T> | null>,
  client: LiveClient = useLive(),
): LiveTopic<T> {
  const subscription = shallowRef<LiveSubscription<T> | null>(null);
  watch(
    // Compared as JSON: a getter that rebuilds an equal object must not resubscribe.
    () => {
      const value = toValue(params);
      return value === null ? null : JSON.stringify(value);
    },
    (json) => {
      if (json === null) {
        subscription.value?.close();
        subscription.value = null;
      } else if (subscription.value) {
        subscription.value.setParams(JSON.parse(json) as LiveParams<T>);
      } else {
        subscription.value = client.subscribe(topic, JSON.parse(json) as LiveParams<T>);
      }
    },
    { immediate: true },
  );
  onScopeDispose(() => subscription.value?.close());
  return {
    data: computed(() => subscription.value?.data.value ?? null),
    asOf: computed(() => subscription.value?.asOf.value ?? null),
    error: computed(() => subscription.value?.error.value ?? null),
  };
}
