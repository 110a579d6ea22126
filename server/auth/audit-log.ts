import type { AuditEntry, AuditList } from '../../shared/schemas/auth.js';
import type { Database, Sql } from '../db/database.js';
import { faults } from '../errors.js';
import { q } from './queries.js';

/** A change to record: who did what to which, from where. */
export interface AuditEvent {
  /** null: the hub's own entries (sign-ins, passwords, deleted workspaces). */
  workspace: string | null;
  actor: string;
  action: string;
  target: string;
  summary: string;
  ip: string;
}

/** The append-only log of changes, paged newest first by its sequence number. */
export class AuditLog {
  private seq = 0;

  constructor(private readonly db: Database) {}

  async init(sql: Sql): Promise<void> {
    this.seq = Number((await sql.one<{ seq: number }>(q.lastAuditSeq))!.seq);
  }

  async record(event: AuditEvent): Promise<void> {
    await this.db.write((sql) => sql.run(q.insertAudit, { ...event, seq: ++this.seq }));
  }

  async page(workspace: string | null, before: string | undefined, limit: number): Promise<AuditList> {
    const beforeSeq = before === undefined ? Number.MAX_SAFE_INTEGER : Number(before);
    if (!Number.isSafeInteger(beforeSeq)) {
      throw faults.invalidQuery(
        `before=${before} is not a page of the audit log.`,
        'Pass the `next` of the previous answer.',
      );
    }
    const rows = await this.db.read((sql) =>
      sql.rows<AuditEntry & { seq: number }>(q.audit, { workspace, before: beforeSeq, limit: limit + 1 }),
    );
    const page = rows.slice(0, limit);
    return {
      rows: page.map(({ seq: _seq, ...entry }) => entry),
      next: rows.length > limit ? String(page[page.length - 1]!.seq) : null,
    };
  }
}
