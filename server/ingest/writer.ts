import { listValue, timestampValue } from '@duckdb/node-api';
import type { FastifyBaseLogger } from 'fastify';
import type { Database, Sql } from '../db/database.js';
import { ApiError, errors } from '../errors.js';
import type { RollupRows, RollupService } from '../rollups/service.js';
import type { SeriesDictionary } from '../rollups/series-ids.js';
import type { WorkspaceState } from '../workspaces/service.js';
import { type CommitChange, describeChanges } from './changes.js';
import { recomputeReplaced, removeReplaced } from './corrections.js';
import { q } from './queries.js';
import type { WriteJob } from './write-job.js';

export type { WriteJob } from './write-job.js';

export interface WriterStats {
  committed(accepted: number, rejected: number, seconds: number): void;
  queueDepth(rows: number): void;
}

interface Pending {
  job: WriteJob;
  rows: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The single writer. Requests queue here (bounded, in rows); each turn takes every waiting
 * request up to `maxCommitRows` and commits them in one transaction (group commit): raw rows,
 * rollup partials, quarantined rows and idempotency ledger entries together. A request is
 * answered only after that commit.
 */
export class Writer {
  private readonly queue: Pending[] = [];
  private queuedRows = 0;
  /** Writes waiting for room in the queue, woken in order as commits free it. */
  private waiting: (() => void)[] = [];
  private pumping: Promise<void> | null = null;
  private readonly listeners: ((changes: CommitChange[]) => void)[] = [];
  private quarantineId = 0n;
  private closed = false;
  /** The last commit's stamp (see commit). */
  private lastStamp = 0;

  constructor(
    private readonly db: Database,
    private readonly rollups: RollupService,
    private readonly series: SeriesDictionary,
    private readonly workspaces: { get(id: string): WorkspaceState | undefined },
    private readonly options: { queueRows: number; maxCommitRows: number },
    private readonly log: FastifyBaseLogger,
    private readonly stats: WriterStats,
  ) {}

  async init(): Promise<void> {
    const row = await this.db.read((sql) => sql.one<{ id: string }>(q.maxQuarantineId));
    this.quarantineId = BigInt(row?.id ?? 0);
  }

  get depth(): number {
    return this.queuedRows;
  }

  onCommit(listener: (changes: CommitChange[]) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Resolves once the job's transaction has committed. A job that does not fit in the queue yet
   * waits for room: it was admitted before its body was read (see IngestGate), so refusing it
   * now would throw that work away, and what waits is bounded by the admission budgets.
   */
  async write(job: WriteJob): Promise<void> {
    if (this.closed) throw errors.shuttingDown();
    const rows = job.accepted.length + job.rejected.length;
    if (rows > this.options.queueRows) throw errors.tooManyRows(rows, this.options.queueRows);
    while (this.queuedRows > 0 && this.queuedRows + rows > this.options.queueRows) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      if (this.closed) throw errors.shuttingDown();
    }
    this.queuedRows += rows;
    this.stats.queueDepth(this.queuedRows);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ job, rows, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.pumping) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
      // A write may have queued between the pump's last look and this callback.
      if (this.queue.length > 0) this.kick();
    });
  }

  /** Waits until everything queued so far is committed; later writes are refused. */
  async drain(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake();
    while (this.pumping) await this.pumping;
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.takeGroup();
      const error = await this.commitGroup(group);
      if (!error) continue;
      if (group.length === 1) {
        this.fail(group[0]!, error);
        continue;
      }
      // One bad request must not fail its neighbours: commit them one by one.
      this.log.warn({ err: error, requests: group.length }, 'group commit failed; retrying one by one');
      for (const pending of group) {
        const alone = await this.commitGroup([pending]);
        if (alone) this.fail(pending, alone);
      }
    }
  }

  /** Commits a group and settles it; returns the error instead when the transaction failed. */
  private async commitGroup(group: Pending[]): Promise<unknown> {
    const started = performance.now();
    let changes: CommitChange[];
    try {
      changes = await this.db.write((sql) =>
        this.commit(
          sql,
          group.map((p) => p.job),
        ),
      );
    } catch (error) {
      return error;
    }
    this.settle(group, started, changes);
    return undefined;
  }

  private fail(pending: Pending, error: unknown): void {
    this.release([pending]);
    if (error instanceof ApiError) return pending.reject(error);
    // The transaction rolled back: nothing is stored, and the same request may well pass later
    // (a full disk freed, memory back under the limit), so the answer says to retry.
    this.log.error({ err: error }, 'ingest commit failed');
    pending.reject(errors.commitFailed());
  }

  private takeGroup(): Pending[] {
    const first = this.queue.shift()!;
    const group = [first];
    if (first.job.replace) return group;
    let rows = first.rows;
    while (
      this.queue.length > 0 &&
      !this.queue[0]!.job.replace &&
      rows + this.queue[0]!.rows <= this.options.maxCommitRows
    ) {
      const next = this.queue.shift()!;
      rows += next.rows;
      group.push(next);
    }
    return group;
  }

  private release(group: Pending[]): void {
    for (const p of group) this.queuedRows -= p.rows;
    this.stats.queueDepth(this.queuedRows);
    // Each waiter checks again whether it fits; those that do not wait again, in order.
    const woken = this.waiting;
    this.waiting = [];
    for (const wake of woken) wake();
  }

  private settle(group: Pending[], started: number, changes: CommitChange[]): void {
    this.release(group);
    const seconds = (performance.now() - started) / 1000;
    let accepted = 0;
    let rejected = 0;
    for (const p of group) {
      accepted += p.job.accepted.length;
      rejected += p.job.rejected.length;
      p.resolve();
    }
    this.stats.committed(accepted, rejected, seconds);
    if (changes.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(changes);
      } catch (err) {
        // The requests are answered already; a listener's failure must not reach the pump.
        this.log.error({ err }, 'a commit listener failed');
      }
    }
  }

  /** Stores a group in one transaction; returns what it changed. */
  private async commit(sql: Sql, jobs: WriteJob[]): Promise<CommitChange[]> {
    // Writes are serialized, so this is the workspace as of this commit: a time zone changed or a
    // workspace deleted while the request waited in the queue is seen here.
    const zones = new Map<number, string>();
    for (const job of jobs) {
      const current = this.workspaces.get(job.workspace.id);
      if (!current || current.key !== job.workspace.key) throw errors.unknownWorkspace(job.workspace.id);
      zones.set(current.key, current.timezone);
    }
    // Series ids first, outside the transaction (see SeriesDictionary.resolve).
    const keyIds: number[][] = [];
    const seriesIds: Int32Array[] = [];
    for (const job of jobs) {
      const ids = await this.series.resolve(sql, job.workspace.key, job.accepted.keys);
      const column = new Int32Array(job.accepted.length);
      for (let i = 0; i < column.length; i++) column[i] = ids[job.accepted.keyIndex[i]!]!;
      keyIds.push(ids);
      seriesIds.push(column);
    }
    // The commit's stamp, in each answer too: a producer knows which live delta holds its rows.
    // Strictly increasing, so that two commits in one millisecond are told apart.
    const committedAt = (this.lastStamp = Math.max(Date.now(), this.lastStamp + 1));
    const changes = describeChanges(jobs, committedAt);
    for (const job of jobs) job.response.asOf = new Date(committedAt).toISOString();
    // The rollups' read caches over these spans go once the transaction commits, before any
    // answer: a client that reads right after its ack sees its rows.
    const spans = changes.map((c) => ({ ws: c.workspaceKey, fromMs: c.fromMs, toMs: c.toMs }));
    await sql.transaction(async () => {
      const replace = jobs[0]!.replace;
      const ws = jobs[0]!.workspace.key;
      const window = replace ? await removeReplaced(sql, this.series, ws, replace, keyIds[0]!) : undefined;
      const rows: RollupRows[] = jobs.map((job, j) => ({
        ws: job.workspace.key,
        length: job.accepted.length,
        series: seriesIds[j]!,
        ts: job.accepted.ts,
        value: job.accepted.value,
      }));
      await appendEvents(sql, rows);
      if (replace) await recomputeReplaced(sql, this.rollups, window!, zones.get(ws)!, spans);
      else await this.rollups.applyCommit(sql, rows, zones, spans);
      await this.quarantine(sql, jobs);
      for (const job of jobs) {
        if (job.ledger) {
          await sql.run(q.ledgerInsert, {
            ws: job.workspace.key,
            key: job.ledger.key,
            hash: job.ledger.hash,
            response: JSON.stringify(job.response),
          });
        }
        if (job.releaseQuarantine?.length) {
          await sql.run(q.quarantineDeleteIds, {
            ws: job.workspace.key,
            ids: listValue(job.releaseQuarantine),
          });
        }
      }
    });
    return changes;
  }

  private async quarantine(sql: Sql, jobs: WriteJob[]): Promise<void> {
    if (!jobs.some((job) => job.rejected.length > 0)) return;
    const appender = await sql.appender('quarantine');
    const receivedAt = timestampValue(BigInt(Date.now()) * 1000n);
    const firstId = this.quarantineId;
    try {
      for (const job of jobs) {
        for (const error of job.rejected) {
          appender.appendInteger(job.workspace.key);
          appender.appendBigInt(++this.quarantineId);
          appender.appendTimestamp(receivedAt);
          appender.appendVarchar(error.code);
          appender.appendVarchar(error.field);
          appender.appendVarchar(error.message);
          appender.appendVarchar(job.format);
          const raw = job.rawText(error.row);
          appender.appendVarchar(raw.text);
          appender.appendBoolean(raw.cut);
          appender.endRow();
        }
      }
      appender.flushSync();
    } catch (error) {
      this.quarantineId = firstId;
      throw error;
    }
  }
}

/** Inserts accepted rows into the raw events table by raw column copies. */
async function appendEvents(sql: Sql, batches: RollupRows[]): Promise<void> {
  // One statement for the whole group: many small requests cost one insert, not one each.
  const length = batches.reduce((n, b) => n + b.length, 0);
  if (length === 0) return;
  const only = batches.length === 1 ? batches[0]! : undefined;
  const ws = new Int32Array(length);
  const series = only ? only.series : new Int32Array(length);
  const ts = only ? only.ts : new Float64Array(length);
  const value = only ? only.value : new Float64Array(length);
  let at = 0;
  for (const batch of batches) {
    ws.fill(batch.ws, at, at + batch.length);
    if (!only) {
      series.set(batch.series.subarray(0, batch.length), at);
      ts.set(batch.ts.subarray(0, batch.length), at);
      value.set(batch.value.subarray(0, batch.length), at);
    }
    at += batch.length;
  }
  await sql.insertColumns(
    'events',
    [
      { kind: 'integer', values: ws },
      { kind: 'integer', values: series },
      { kind: 'timestamp', values: ts },
      { kind: 'double', values: value },
    ],
    length,
  );
}
