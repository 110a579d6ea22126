import { LRUCache } from 'lru-cache';
import type { CommitChange } from '../ingest/changes.js';

interface Memo {
  generation: number;
  values: LRUCache<string, { value: number | null; toMs: number }>;
}

/**
 * Values of closed buckets of a series computed bucket by bucket (the DPI's sparkline), kept
 * between ticks: a tick then computes only the bucket still filling instead of a whole day of them.
 * A commit forgets the buckets it can change: the DPI reads levels as of each bucket, so an event
 * changes its own bucket and every later one. A configuration change (weights, brands) forgets
 * the workspace's. A value computed across a commit is not kept (its generation moved).
 */
export class BucketMemo {
  private readonly memos = new Map<string, Memo>();

  generation(workspace: string): number {
    return this.memos.get(workspace)?.generation ?? 0;
  }

  get(workspace: string, series: string, fromMs: number): number | null | undefined {
    return this.memos.get(workspace)?.values.get(`${series}\u0000${fromMs}`)?.value;
  }

  /** Kept only if nothing of the workspace changed since `generation` was read. */
  set(
    workspace: string,
    generation: number,
    series: string,
    bucket: { fromMs: number; toMs: number },
    value: number | null,
  ): void {
    if (generation !== this.generation(workspace)) return;
    this.memoOf(workspace).values.set(`${series}\u0000${bucket.fromMs}`, { value, toMs: bucket.toMs });
  }

  committed(change: CommitChange): void {
    const memo = this.memoOf(change.workspace);
    memo.generation += 1;
    for (const [key, entry] of memo.values.entries()) {
      if (entry.toMs > change.fromMs) memo.values.delete(key);
    }
  }

  invalidate(workspace: string): void {
    const memo = this.memoOf(workspace);
    memo.generation += 1;
    memo.values.clear();
  }

  private memoOf(workspace: string): Memo {
    let memo = this.memos.get(workspace);
    // A few brands × two grains × a month of days or a day of hours, with room to spare.
    if (!memo) this.memos.set(workspace, (memo = { generation: 0, values: new LRUCache({ max: 2_000 }) }));
    return memo;
  }
}
