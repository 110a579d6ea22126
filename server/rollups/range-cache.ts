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
  fromMs: number;
  toMs: number;
  value: V;
  bytes: number;
}

/** Changes remembered per workspace for reads in flight (a read takes milliseconds). */
const RECENT_CHANGES = 256;

export class RangeCache<V> {
  private readonly entries = new Map<number, Map<string, Entry<V>>>();
  /** Bumped by every change of a workspace; the recent changes' spans are kept with their version. */
  private readonly versions = new Map<number, number>();
  private readonly recent = new Map<number, { version: number; fromMs: number; toMs: number }[]>();
  private bytes = 0;

  /** `weigh` estimates what a value holds in bytes; the cache stays under `maxBytes`. */
  constructor(
    private readonly maxBytes: number,
    private readonly weigh: (value: V) => number,
  ) {}

  static key(range: RangeKey): string {
    // The instants too: the same wall-clock days are other instants in another zone.
    return `${range.table}:${range.from}:${range.to}:${range.fromMs}:${range.toMs}`;
  }

  version(ws: number): number {
    return this.versions.get(ws) ?? 0;
  }

  get(ws: number, range: RangeKey): V | undefined {
    const entries = this.entries.get(ws);
    const key = RangeCache.key(range);
    const entry = entries?.get(key);
    if (!entry) return undefined;
    // Most recently used last, so that eviction drops the oldest.
    entries!.delete(key);
    entries!.set(key, entry);
    return entry.value;
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
    let entries = this.entries.get(ws);
    if (!entries) this.entries.set(ws, (entries = new Map()));
    const key = RangeCache.key(range);
    this.bytes -= entries.get(key)?.bytes ?? 0;
    const bytes = this.weigh(value);
    entries.set(key, { fromMs: range.fromMs, toMs: range.toMs, value, bytes });
    this.bytes += bytes;
    if (this.bytes > this.maxBytes) this.evict();
  }

  /** A commit stored events of `ws` with instants in [fromMs, toMs]. */
  changed(ws: number, fromMs: number, toMs: number): void {
    this.bump(ws, fromMs, toMs);
    const entries = this.entries.get(ws);
    if (!entries) return;
    for (const [key, entry] of entries) {
      if (entry.fromMs <= toMs && fromMs < entry.toMs) {
        entries.delete(key);
        this.bytes -= entry.bytes;
      }
    }
  }

  /** Everything of a workspace (deleted, or its day buckets rebuilt in another zone). */
  drop(ws: number): void {
    this.bump(ws, -Infinity, Infinity);
    for (const entry of this.entries.get(ws)?.values() ?? []) this.bytes -= entry.bytes;
    this.entries.delete(ws);
  }

  private bump(ws: number, fromMs: number, toMs: number): void {
    const version = this.version(ws) + 1;
    this.versions.set(ws, version);
    let log = this.recent.get(ws);
    if (!log) this.recent.set(ws, (log = []));
    log.push({ version, fromMs, toMs });
    if (log.length > RECENT_CHANGES) log.shift();
  }

  /** Drops the least recently used entries (per workspace, oldest workspaces first) to 3/4 of the budget. */
  private evict(): void {
    for (const [ws, entries] of this.entries) {
      for (const [key, entry] of entries) {
        entries.delete(key);
        this.bytes -= entry.bytes;
        if (this.bytes <= (this.maxBytes * 3) / 4) break;
      }
      if (entries.size === 0) this.entries.delete(ws);
      if (this.bytes <= (this.maxBytes * 3) / 4) return;
    }
  }

  /** Bytes held (an estimate). */
  get heldBytes(): number {
    return this.bytes;
  }
}
