import type { WriteJob } from './write-job.js';

/** What a commit changed, for whoever recomputes derived values (the rolling engine). */
export interface CommitChange {
  workspace: string;
  workspaceKey: number;
  metrics: string[];
  /** A correction scoped to no metric: any metric of its source may have changed. */
  allMetrics: boolean;
  sources: string[];
  /** Sources whose rows this commit rejected: they are sending, though nothing of theirs changed. */
  rejectedSources: string[];
  fromMs: number;
  toMs: number;
  rows: number;
  /** Rows rejected (quarantined) in this commit, per reason. */
  rejected: Record<string, number>;
  committedAt: number;
}

/** What the jobs of one commit changed, per workspace (for the caches and the rolling engine). */
export function describeChanges(jobs: WriteJob[], committedAt: number): CommitChange[] {
  const byWorkspace = new Map<string, CommitChange>();
  for (const job of jobs) {
    const { accepted } = job;
    if (accepted.length === 0 && job.rejected.length === 0 && !job.replace) continue;
    let change = byWorkspace.get(job.workspace.id);
    if (!change) {
      change = {
        workspace: job.workspace.id,
        workspaceKey: job.workspace.key,
        metrics: [],
        allMetrics: false,
        sources: [],
        rejectedSources: [],
        fromMs: Infinity,
        toMs: -Infinity,
        rows: 0,
        rejected: {},
        committedAt,
      };
      byWorkspace.set(job.workspace.id, change);
    }
    for (const key of accepted.keys) {
      if (!change.metrics.includes(key.metric)) change.metrics.push(key.metric);
      if (!change.sources.includes(key.source)) change.sources.push(key.source);
    }
    for (const source of job.rejectedSources ?? []) {
      if (!change.rejectedSources.includes(source)) change.rejectedSources.push(source);
    }
    for (const error of job.rejected) change.rejected[error.code] = (change.rejected[error.code] ?? 0) + 1;
    for (let i = 0; i < accepted.length; i++) {
      const ts = accepted.ts[i]!;
      if (ts < change.fromMs) change.fromMs = ts;
      if (ts > change.toMs) change.toMs = ts;
    }
    if (job.replace) {
      change.fromMs = Math.min(change.fromMs, job.replace.fromMs);
      change.toMs = Math.max(change.toMs, job.replace.toMs);
      for (const m of job.replace.metrics ?? []) if (!change.metrics.includes(m)) change.metrics.push(m);
      if (!job.replace.metrics) change.allMetrics = true;
      if (!change.sources.includes(job.replace.source)) change.sources.push(job.replace.source);
    }
    change.rows += accepted.length;
  }
  return [...byWorkspace.values()];
}
