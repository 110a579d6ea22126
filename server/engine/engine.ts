import type { FastifyBaseLogger } from 'fastify';
import { isCallerError } from '../errors.js';
import { applyDelta } from '../../shared/live.js';
import {
  type Changes,
  type LiveData,
  type ServerMessage,
  type Subscribe,
} from '../../shared/schemas/live.js';
import type { CommitChange } from '../ingest/changes.js';
import { Cancelled, FairQueue, type Job } from './fair-queue.js';
import { compute, type Dependency, type TopicContext, windowKey } from './topics.js';

/** One client's subscription, as the engine sees it. */
export interface Subscriber {
  id: string;
  /** Whose subscription it is (see clientKey): first computations are shared fairly between clients. */
  client: string;
  /** The seq of the last message this client got for it; a delta must follow it exactly. */
  lastSeq: number | null;
  /** Deltas were dropped (the client's socket was backed up): a snapshot is owed once it drains. */
  stale: boolean;
  send(message: ServerMessage): void;
  /** The socket's backlog is past the threshold: send nothing more for now. */
  congested(): boolean;
  /** The subscription ended on the server's side (its workspace or KPI went away). */
  ended(): void;
  /** Still wanted: false once unsubscribed or its socket closed (checked after the first compute). */
  active(): boolean;
}

interface Published {
  seq: number;
  asOf: string | null;
  changes: Changes;
}

/** One computation per distinct (topic, params), shared by every client that subscribes to it. */
interface Computation {
  key: string;
  subscription: Pick<Subscribe, 'topic' | 'params'>;
  data: LiveData;
  seq: number;
  asOf: string | null;
  /** Recent deltas, so that a client resuming within the epoch gets what it missed. */
  log: Published[];
  dependency: Dependency;
  dirty: boolean;
  subscribers: Set<Subscriber>;
  /** When the last subscriber left: kept a while for clients that reconnect. */
  idleSinceMs?: number;
}

/** A computation being created: its turn in the fair queue (or its run), and who waits for it. */
interface Creation {
  job: Job<Computation>;
  waiters: Set<Subscriber>;
}

export interface EngineOptions {
  /** First computations run at a time (served round-robin across clients). */
  firstComputations?: number;
}

const LOG_SIZE = 256;
const IDLE_KEEP_MS = 60_000;
/** Seqs of different computations never meet: each starts at its own multiple of this. */
const SEQ_SPACING = 2 ** 32;

/** A canonical key: identical subscriptions share one computation whatever their key order. */
export function subscriptionKey(s: Pick<Subscribe, 'topic' | 'params'>): string {
  const sort = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sort)
      : value && typeof value === 'object'
        ? Object.fromEntries(
            Object.entries(value as Record<string, unknown>)
              .filter(([, v]) => v !== undefined)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, v]) => [k, sort(v)]),
          )
        : value;
  return JSON.stringify([s.topic, sort(s.params)]);
}

/** The parts that differ between two records. */
export function diff(before: LiveData, after: LiveData): Changes {
  const set: LiveData = {};
  const remove: string[] = [];
  for (const [key, value] of Object.entries(after)) {
    if (!(key in before) || JSON.stringify(before[key]) !== JSON.stringify(value)) set[key] = value;
  }
  for (const key of Object.keys(before)) if (!(key in after)) remove.push(key);
  return { set, remove };
}

/**
 * The rolling engine. Commits mark the computations they can affect; a tick recomputes those and
 * those whose windows moved, diffs each against what was last published and sends the changes to
 * its subscribers. Its cost follows what changed and what is subscribed, not the history.
 */
export class LiveEngine {
  private readonly computations = new Map<string, Computation>();
  /** Computations being created (or queued): a second subscriber waits for the first's work. */
  private readonly creating = new Map<string, Creation>();
  /** First computations, a few at a time, round-robin across clients. */
  private readonly firsts: FairQueue;
  /** Commits (and invalidations) seen per workspace: a computation created across one is computed again. */
  private readonly commits = new Map<string, number>();
  private readonly asOf = new Map<string, number>();
  private created = 0;
  private ticking: Promise<void> | null = null;

  constructor(
    private readonly context: (nowMs: number) => TopicContext,
    private readonly log: FastifyBaseLogger,
    options: EngineOptions = {},
  ) {
    this.firsts = new FairQueue(options.firstComputations ?? 2);
  }

  /** Computations held (subscribed, or idle a while). */
  get size(): number {
    return this.computations.size;
  }

  /** Whether any screen is subscribed right now: background work gives way while one is. */
  get watched(): boolean {
    for (const c of this.computations.values()) if (c.subscribers.size > 0) return true;
    return false;
  }

  /** First computations waiting for their turn (not counting those running). */
  get pendingFirstComputations(): number {
    return this.firsts.queued;
  }

  committed(changes: CommitChange[]): void {
    for (const change of changes) {
      this.asOf.set(change.workspace, Math.max(this.asOf.get(change.workspace) ?? 0, change.committedAt));
      this.commits.set(change.workspace, (this.commits.get(change.workspace) ?? 0) + 1);
      for (const c of this.computations.values()) {
        const d = c.dependency;
        if (d.workspace !== change.workspace || change.toMs < d.sinceMs) continue;
        if (d.metrics && !change.allMetrics && !change.metrics.some((m) => d.metrics!.has(m))) continue;
        c.dirty = true;
      }
    }
  }

  /** The workspace's configuration changed (brands, zone, weights, KPIs): recompute all of it. */
  invalidate(workspace: string): void {
    // A first compute running meanwhile may have read the old configuration: it is marked dirty too.
    this.commits.set(workspace, (this.commits.get(workspace) ?? 0) + 1);
    for (const c of this.computations.values()) if (c.dependency.workspace === workspace) c.dirty = true;
  }

  /** The commit time of the last ingest of a workspace (seeded at start from what an earlier run stored). */
  lastCommit(workspace: string): number | undefined {
    return this.asOf.get(workspace);
  }

  seedLastCommit(workspace: string, atMs: number): void {
    if (atMs > (this.asOf.get(workspace) ?? 0)) this.asOf.set(workspace, atMs);
  }

  private asOfOf(workspace: string): string | null {
    const at = this.asOf.get(workspace);
    return at ? new Date(at).toISOString() : null;
  }

  /**
   * Adds a subscriber: a snapshot, or on a resume within the epoch the deltas it missed. Throws
   * the topic's error (unknown workspace or KPI …) before anything is sent. A first computation
   * waits for its client's turn; unsubscribed meanwhile, it returns without sending anything.
   */
  async subscribe(
    subscription: Pick<Subscribe, 'topic' | 'params'>,
    subscriber: Subscriber,
    resumeFromSeq?: number,
  ): Promise<void> {
    const c = await this.computation(subscription, subscriber);
    if (!c || !subscriber.active()) return;
    c.subscribers.add(subscriber);
    delete c.idleSinceMs;
    const first = c.log[0];
    const resumable =
      resumeFromSeq !== undefined &&
      first !== undefined &&
      resumeFromSeq >= first.seq - 1 &&
      resumeFromSeq <= c.seq;
    if (resumable && !subscriber.congested()) {
      for (const entry of c.log) {
        if (entry.seq > resumeFromSeq!) this.sendDelta(subscriber, entry);
      }
      subscriber.lastSeq = c.seq;
      return;
    }
    if (resumeFromSeq === c.seq) {
      subscriber.lastSeq = c.seq;
      return;
    }
    // A backed-up client gets its snapshot once it drains (see run), not on top of its backlog.
    if (subscriber.congested()) subscriber.stale = true;
    else this.sendSnapshot(subscriber, c);
  }

  /**
   * The shared computation of a subscription, created (and computed once) if need be, in the turn
   * of the first client that asked for it or of any other that waits for it, whichever comes first.
   * Undefined when every subscriber waiting for it left before it started (it is not computed).
   */
  private async computation(
    subscription: Pick<Subscribe, 'topic' | 'params'>,
    subscriber: Subscriber,
  ): Promise<Computation | undefined> {
    const key = subscriptionKey(subscription);
    const existing = this.computations.get(key);
    if (existing) return existing;
    let creation = this.creating.get(key);
    if (creation && creation.job.state !== 'cancelled') creation.job.join(subscriber.client);
    else {
      const job = this.firsts.add(subscriber.client, () => this.create(key, subscription));
      const mine: Creation = (creation = { job, waiters: new Set() });
      this.creating.set(key, mine);
      const forget = () => {
        if (this.creating.get(key) === mine) this.creating.delete(key);
      };
      job.done.then(forget, forget);
    }
    creation.waiters.add(subscriber);
    try {
      return await creation.job.done;
    } catch (err) {
      if (err instanceof Cancelled) return undefined;
      throw err;
    } finally {
      creation.waiters.delete(subscriber);
    }
  }

  private async create(key: string, subscription: Pick<Subscribe, 'topic' | 'params'>): Promise<Computation> {
    const nowMs = Date.now();
    const workspace = (subscription.params as { workspace: string }).workspace;
    const asOf = this.asOfOf(workspace);
    const commits = this.commits.get(workspace) ?? 0;
    const computed = await compute(this.context(nowMs), subscription);
    const c: Computation = {
      key,
      subscription,
      data: computed.data,
      seq: ++this.created * SEQ_SPACING,
      asOf,
      log: [],
      dependency: computed.dependency,
      // A commit that landed while it computed may not be in it: the next tick computes it again.
      dirty: (this.commits.get(workspace) ?? 0) !== commits,
      subscribers: new Set(),
      // Nobody may be left by now: then it is dropped like any idle one.
      idleSinceMs: Date.now(),
    };
    this.computations.set(key, c);
    return c;
  }

  /** Removes a subscriber; one still waiting for a first computation gives up its place in the queue. */
  unsubscribe(subscription: Pick<Subscribe, 'topic' | 'params'>, subscriber: Subscriber): void {
    const key = subscriptionKey(subscription);
    const creation = this.creating.get(key);
    if (creation?.waiters.delete(subscriber)) {
      creation.job.leave(subscriber.client);
      // Nobody else waited: nothing is computed, and a new subscriber starts afresh.
      if (creation.job.state === 'cancelled') this.creating.delete(key);
    }
    const c = this.computations.get(key);
    if (!c) return;
    c.subscribers.delete(subscriber);
    if (c.subscribers.size === 0) c.idleSinceMs = Date.now();
  }

  /** One tick; a tick still running makes the next one wait its turn rather than overlap. */
  tick(nowMs = Date.now()): Promise<void> {
    if (this.ticking) return this.ticking;
    this.ticking = this.run(nowMs).finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async run(nowMs: number): Promise<void> {
    const ctx = this.context(nowMs);
    for (const c of [...this.computations.values()]) {
      if (c.subscribers.size === 0 && nowMs - (c.idleSinceMs ?? nowMs) > IDLE_KEEP_MS) {
        this.computations.delete(c.key);
        continue;
      }
      let moved = false;
      try {
        moved = windowKey(ctx, c.subscription) !== c.dependency.windowKey;
      } catch {
        moved = true;
      }
      if (c.dirty || moved) await this.recompute(c, ctx);
      if (this.computations.get(c.key) !== c) continue;
      // Clients that were backed up get a fresh snapshot once they drain.
      for (const s of c.subscribers) {
        if (s.stale && !s.congested()) this.sendSnapshot(s, c);
      }
    }
  }

  private async recompute(c: Computation, ctx: TopicContext): Promise<void> {
    c.dirty = false;
    const workspace = c.dependency.workspace;
    const asOf = this.asOfOf(workspace);
    let computed;
    try {
      computed = await compute(ctx, c.subscription);
    } catch (err) {
      // The workspace or KPI went away: tell the subscribers once and drop the computation.
      if (isCallerError(err)) {
        for (const s of c.subscribers) {
          s.send({ type: 'error', id: s.id, code: err.code, message: err.message, hint: err.hint });
          s.ended();
        }
        this.computations.delete(c.key);
      } else {
        this.log.error({ err, key: c.key }, 'live recomputation failed');
        c.dirty = true;
      }
      return;
    }
    c.dependency = computed.dependency;
    const changes = diff(c.data, computed.data);
    // A commit that leaves the figures as they were still moves the screens' "data as of": an
    // empty delta carries it (else a wall fed steady values would look stale, and a producer
    // waiting for its commit's asOf would wait for the next change).
    if (Object.keys(changes.set).length === 0 && changes.remove.length === 0 && asOf === c.asOf) return;
    c.data = applyDelta(c.data, changes);
    c.seq++;
    c.asOf = asOf;
    const entry = { seq: c.seq, asOf, changes };
    c.log.push(entry);
    if (c.log.length > LOG_SIZE) c.log.shift();
    for (const s of c.subscribers) {
      if (s.stale) continue;
      if (s.congested()) {
        s.stale = true;
        continue;
      }
      if (s.lastSeq === c.seq - 1) this.sendDelta(s, entry);
      else this.sendSnapshot(s, c);
    }
  }

  private sendDelta(s: Subscriber, entry: Published): void {
    s.send({ type: 'delta', id: s.id, seq: entry.seq, asOf: entry.asOf, changes: entry.changes });
    s.lastSeq = entry.seq;
  }

  private sendSnapshot(s: Subscriber, c: Computation): void {
    s.send({ type: 'snapshot', id: s.id, seq: c.seq, asOf: c.asOf, data: c.data });
    s.lastSeq = c.seq;
    s.stale = false;
  }
}
