import { LRUCache } from 'lru-cache';

/**
 * What KPI windows read from the rollups, kept until a commit touches the span it covers.
 *
 * A KPI window is a few ranges (cover.ts): whole days, whole hours, minutes at the edges. When the
 * window moves by a minute, or the previous period is asked again, most of its ranges are the same
 * closed ones: their totals cannot change unless late data or a correction lands in them. So each
 * range is cached with every series of the workspace, whatever subset a KPI needs, and dropped when
 * a commit's event-time span overlaps it. Minute edges are cached as whole hours of per-minute sums
 * (see WindowReads.totals), since they move with every minute.
 */
export interface RangeKey {
  table: string;
  /** Bounds as stored in the table (wall-clock midnights for days, instants otherwise). */
  from: number;
  to: number;
  /** The instants the range covers, to match commits (which carry event instants). */
  fromMs: number;
  toMs: number;
}

interface Entry<V> {
  ws: number;
  fromMs: number;
  toMs: number;
  value: V;
}

/** Changes remembered per workspace for reads in flight (a read takes milliseconds). */
const RECENT_CHANGES = 256;

export class RangeCache<V> {
  /** Least recently used first out once the weights pass the budget. */
  private readonly entries: LRUCache<string, Entry<V>>;
  /** Each workspace's keys, so that a commit looks only at its own workspace's ranges. */
  private readonly keys = new Map<number, Set<string>>();
  /** Bumped by every change of a workspace; the recent changes' spans are kept with their version. */
  private readonly versions = new Map<number, number>();
  private readonly recent = new Map<number, { version: number; fromMs: number; toMs: number }[]>();

  /** `weigh` estimates what a value holds in bytes; the cache stays under `maxBytes`. */
  constructor(maxBytes: number, weigh: (value: V) => number) {
    this.entries = new LRUCache<string, Entry<V>>({
      maxSize: maxBytes,
      // lru-cache takes positive integers only (an empty map weighs 0 by the estimates).
      sizeCalculation: (entry) => Math.max(1, Math.ceil(weigh(entry.value))),
      // Evicted, deleted or replaced (set adds the key back once stored).
      dispose: (entry, key) => this.forget(entry.ws, key),
    });
  }

  static key(range: RangeKey): string {
    // The instants too: the same wall-clock days are other instants in another zone.
    return `${range.table}:${range.from}:${range.to}:${range.fromMs}:${range.toMs}`;
  }

  version(ws: number): number {
    return this.versions.get(ws) ?? 0;
  }

  get(ws: number, range: RangeKey): V | undefined {
    return this.entries.get(`${ws}:${RangeCache.key(range)}`)?.value;
  }

  /**
   * Stores what a read fetched, unless a change that overlaps its span landed since the read began
   * (at `version`): under steady ingest other spans keep changing while a read runs.
   */
  set(ws: number, version: number, range: RangeKey, value: V): void {
    const current = this.version(ws);
    if (current !== version) {
      const since = (this.recent.get(ws) ?? []).filter((c) => c.version > version);
      // Fewer than happened: the log no longer holds them all.
      if (since.length < current - version) return;
      if (since.some((c) => c.fromMs <= range.toMs && range.fromMs <= c.toMs)) return;
    }
    const key = `${ws}:${RangeCache.key(range)}`;
    this.entries.set(key, { ws, fromMs: range.fromMs, toMs: range.toMs, value });
    // A value heavier than the whole budget is not stored.
    if (!this.entries.has(key)) return;
    let keys = this.keys.get(ws);
    if (!keys) this.keys.set(ws, (keys = new Set()));
    keys.add(key);
  }

  /** A commit stored events of `ws` with instants in [fromMs, toMs]. */
  changed(ws: number, fromMs: number, toMs: number): void {
    this.bump(ws, fromMs, toMs);
    for (const key of this.keys.get(ws) ?? []) {
      const entry = this.entries.peek(key);
      if (entry && entry.fromMs <= toMs && fromMs < entry.toMs) this.entries.delete(key);
    }
  }

  /** Everything of a workspace (deleted, or its day buckets rebuilt in another zone). */
  drop(ws: number): void {
    this.bump(ws, -Infinity, Infinity);
    for (const key of this.keys.get(ws) ?? []) this.entries.delete(key);
    this.keys.delete(ws);
  }

  private forget(ws: number, key: string): void {
    const keys = this.keys.get(ws);
    keys?.delete(key);
    if (keys?.size === 0) this.keys.delete(ws);
  }

  private bump(ws: number, fromMs: number, toMs: number): void {
    const version = this.version(ws) + 1;
    this.versions.set(ws, version);
    let log = this.recent.get(ws);
    if (!log) this.recent.set(ws, (log = []));
    log.push({ version, fromMs, toMs });
    if (log.length > RECENT_CHANGES) log.shift();
  }

  /** Bytes held (an estimate). */
  get heldBytes(): number {
    return this.entries.calculatedSize;
  }
}
