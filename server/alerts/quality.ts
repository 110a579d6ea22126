import type { CommitChange } from '../ingest/changes.js';

const SLOT_MS = 10_000;
const SLOTS = 6;

interface Counts {
  accepted: number;
  rejected: number;
  /** Per 10-second slot of the last minute: [slot index, accepted, rejected]. */
  recent: [number, number, number][];
  lastCommitAt: number | null;
}

/** Ingest counters per workspace since the hub started, fed by the writer's commits. */
export class QualityCounters {
  private readonly counts = new Map<string, Counts>();

  record(change: CommitChange): void {
    let c = this.counts.get(change.workspace);
    if (!c)
      this.counts.set(change.workspace, (c = { accepted: 0, rejected: 0, recent: [], lastCommitAt: null }));
    const rejected = Object.values(change.rejected).reduce((a, b) => a + b, 0);
    c.accepted += change.rows;
    c.rejected += rejected;
    c.lastCommitAt = change.committedAt;
    const slot = Math.floor(change.committedAt / SLOT_MS);
    const last = c.recent[c.recent.length - 1];
    if (last && last[0] === slot) {
      last[1] += change.rows;
      last[2] += rejected;
    } else c.recent.push([slot, change.rows, rejected]);
    while (c.recent.length > SLOTS) c.recent.shift();
  }

  /** Rejected rows in the last minute, for the burst alert. */
  recentRejected(workspace: string, nowMs: number): { accepted: number; rejected: number } {
    const c = this.counts.get(workspace);
    const first = Math.floor(nowMs / SLOT_MS) - SLOTS + 1;
    const recent = (c?.recent ?? []).filter(([slot]) => slot >= first);
    return {
      accepted: recent.reduce((n, r) => n + r[1], 0),
      rejected: recent.reduce((n, r) => n + r[2], 0),
    };
  }

  of(workspace: string, quarantined: Record<string, number>, nowMs: number) {
    const c = this.counts.get(workspace);
    const minute = this.recentRejected(workspace, nowMs);
    return {
      accepted: c?.accepted ?? 0,
      rejected: c?.rejected ?? 0,
      acceptedLastMinute: minute.accepted,
      rejectedLastMinute: minute.rejected,
      quarantined,
      lastCommitAt: c?.lastCommitAt ? new Date(c.lastCommitAt).toISOString() : null,
    };
  }

  forget(workspace: string): void {
    this.counts.delete(workspace);
  }
}
