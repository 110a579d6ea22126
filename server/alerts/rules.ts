import { randomUUID } from 'node:crypto';
import type { Alert } from '../../shared/schemas/live.js';
import type { CommitChange } from '../ingest/changes.js';
import type { QualityCounters } from './quality.js';
import { frenchTypography } from '../../shared/typography.js';

export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

/** Resolved wins: an alert whose values came back is over, acknowledged or not. */
export const statusOf = (a: Alert): AlertStatus =>
  a.resolvedAt ? 'resolved' : a.acknowledged ? 'acknowledged' : 'open';

/** A source is silent once its gap exceeds this many usual gaps (and at least a minute). */
const SILENT_FACTOR = 5;
const SILENT_MIN_MS = 60_000;
/** A burst: this many rejected rows in the last minute, and this share of what arrived. */
const BURST_ROWS = 50;
const BURST_SHARE = 0.1;
const BURST_COOLDOWN_MS = 5 * 60_000;
export const KEEP_ALERTS = 200;

interface SourceClock {
  lastMs: number;
  /** Exponentially weighted mean gap between its commits; undefined until it has a few. */
  gapMs?: number;
  seen: number;
  silent: boolean;
}

/**
 * Data-quality alerts, raised on the engine's tick: a source gone silent for longer than its usual
 * gap, a burst of rejected rows. The newest KEEP_ALERTS per workspace, stored through `save`.
 */
export class AlertService {
  private readonly alerts = new Map<string, Alert[]>();
  private readonly clocks = new Map<string, Map<string, SourceClock>>();
  private readonly lastBurst = new Map<string, number>();
  private readonly versions = new Map<string, number>();
  constructor(
    /** Accepted and rejected rows per minute: bursts are read from them, the quality topic too. */
    readonly quality: QualityCounters,
    /** Stores an alert raised or acknowledged (the hub keeps them across restarts). */
    private readonly save: (workspace: string, alert: Alert) => void = () => {},
  ) {}

  /** An alert stored by an earlier run, oldest first. */
  restore(workspace: string, alert: Alert): void {
    const list = this.alerts.get(workspace) ?? [];
    list.unshift(alert);
    list.length = Math.min(list.length, KEEP_ALERTS);
    this.alerts.set(workspace, list);
    this.bump(workspace);
  }

  record(change: CommitChange): void {
    let clocks = this.clocks.get(change.workspace);
    if (!clocks) this.clocks.set(change.workspace, (clocks = new Map()));
    // A source whose rows are all rejected is not silent: the rejection alert speaks for it.
    for (const source of new Set([...change.sources, ...change.rejectedSources])) {
      const clock = clocks.get(source);
      if (!clock) {
        clocks.set(source, { lastMs: change.committedAt, seen: 1, silent: false });
        continue;
      }
      const gap = change.committedAt - clock.lastMs;
      // An outage already reported is not the source's usual rhythm.
      if (!clock.silent) clock.gapMs = clock.gapMs === undefined ? gap : 0.8 * clock.gapMs + 0.2 * gap;
      clock.lastMs = change.committedAt;
      clock.seen++;
      clock.silent = false;
    }
  }

  /** Raises what the clock shows; returns the workspaces whose alerts changed. */
  check(nowMs: number): string[] {
    const changed = new Set<string>();
    for (const [workspace, clocks] of this.clocks) {
      for (const [source, clock] of clocks) {
        if (clock.silent || clock.seen < 3 || clock.gapMs === undefined) continue;
        const limit = Math.max(SILENT_MIN_MS, SILENT_FACTOR * clock.gapMs);
        if (nowMs - clock.lastMs > limit) {
          clock.silent = true;
          const minutes = Math.round((nowMs - clock.lastMs) / 60_000);
          this.raise(workspace, {
            kind: 'source_silent',
            severity: 'warning',
            at: nowMs,
            subject: { source },
            message: {
              en: `Source "${source}" has sent nothing for ${minutes} min (it usually sends every ${Math.max(1, Math.round(clock.gapMs / 1000))} s).`,
              fr: frenchTypography(
                `La source « ${source} » n’envoie plus rien depuis ${minutes} min (d’habitude toutes les ${Math.max(1, Math.round(clock.gapMs / 1000))} s).`,
              ),
            },
          });
          changed.add(workspace);
        }
      }
    }
    for (const workspace of this.clocks.keys()) {
      const { accepted, rejected } = this.quality.recentRejected(workspace, nowMs);
      const cooling = nowMs - (this.lastBurst.get(workspace) ?? -Infinity) < BURST_COOLDOWN_MS;
      if (!cooling && rejected >= BURST_ROWS && rejected > BURST_SHARE * (accepted + rejected)) {
        this.lastBurst.set(workspace, nowMs);
        this.raise(workspace, {
          kind: 'rejected_burst',
          severity: 'critical',
          at: nowMs,
          subject: {},
          message: {
            en: `${rejected} rows rejected in the last minute (${Math.round((100 * rejected) / (accepted + rejected))} % of what arrived): see Data quality.`,
            fr: frenchTypography(
              `${rejected} lignes rejetées dans la dernière minute (${Math.round((100 * rejected) / (accepted + rejected))} % de l’arrivée) : voir Qualité des données.`,
            ),
          },
        });
        changed.add(workspace);
      }
    }
    return [...changed];
  }

  /** Raises an alert of any kind (anomalies, rules and objectives raise theirs through it). */
  raise(workspace: string, alert: Omit<Alert, 'id' | 'acknowledged' | 'at'> & { at: number }): Alert {
    const list = this.alerts.get(workspace) ?? [];
    // Unique across runs: the stored alerts of earlier runs keep their ids.
    const raised: Alert = {
      ...alert,
      id: randomUUID(),
      at: new Date(alert.at).toISOString(),
      acknowledged: false,
    };
    list.unshift(raised);
    list.length = Math.min(list.length, KEEP_ALERTS);
    this.alerts.set(workspace, list);
    this.bump(workspace);
    this.save(workspace, raised);
    return raised;
  }

  /** Changes an alert (its value moved, it resolved); stored, and pushed on the next tick. */
  update(workspace: string, id: string, patch: Partial<Omit<Alert, 'id' | 'kind'>>): Alert | undefined {
    const list = this.list(workspace);
    const i = list.findIndex((a) => a.id === id);
    if (i < 0) return undefined;
    // A new object: what the live hub published holds the old one, and diffs against it.
    list[i] = { ...list[i]!, ...patch };
    this.bump(workspace);
    this.save(workspace, list[i]!);
    return list[i];
  }

  /** The values came back: the alert stays listed, marked resolved. */
  resolve(workspace: string, id: string, atMs: number): Alert | undefined {
    const alert = this.list(workspace).find((a) => a.id === id);
    if (!alert || alert.resolvedAt) return alert;
    return this.update(workspace, id, { resolvedAt: new Date(atMs).toISOString() });
  }

  /** Newest first. */
  list(workspace: string): Alert[] {
    return this.alerts.get(workspace) ?? [];
  }

  /** Newest first, of a status (open: neither acknowledged nor resolved) and of some kinds. */
  filter(workspace: string, { status, kinds }: { status?: AlertStatus; kinds?: readonly string[] }): Alert[] {
    return this.list(workspace).filter(
      (a) => (!kinds?.length || kinds.includes(a.kind)) && (!status || statusOf(a) === status),
    );
  }

  acknowledge(workspace: string, id: string): Alert | undefined {
    const list = this.list(workspace);
    const i = list.findIndex((a) => a.id === id);
    if (i < 0) return undefined;
    if (!list[i]!.acknowledged) return this.update(workspace, id, { acknowledged: true });
    return list[i];
  }

  /** Moves on every change of a workspace's alerts. */
  version(workspace: string): number {
    return this.versions.get(workspace) ?? 0;
  }

  forget(workspace: string): void {
    this.alerts.delete(workspace);
    this.clocks.delete(workspace);
    this.bump(workspace);
  }

  private bump(workspace: string): void {
    this.versions.set(workspace, this.version(workspace) + 1);
  }
}
