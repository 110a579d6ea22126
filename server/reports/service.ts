import type { FastifyBaseLogger } from 'fastify';
import { Type } from 'typebox';
import {
  Report,
  ReportRun,
  type LastRun,
  type ReportInput,
  type ReportList,
  type ReportRunList,
} from '../../shared/schemas/reports.js';
import type { Database, Sql } from '../db/database.js';
import { storedOrSkip } from '../db/stored.js';
import { faults } from '../errors.js';
import { requireBrands, type KpiService } from '../kpi/service.js';
import type { WorkspaceState } from '../workspaces/service.js';
import { q } from './queries.js';
import { checkSchedule, nextRuns } from './schedule.js';

/** How many coming runs a report lists. */
const NEXT_RUNS = 5;
/** How many past runs GET …/runs answers. */
const RUNS_LISTED = 100;

/** A report as stored: with when it was saved (a missed run from before that is not caught up). */
const StoredReport = Type.Object({
  ...Report.properties,
  owner: Type.Optional(Report.properties.owner),
  savedAt: Type.Optional(Type.Number()),
});
type StoredReport = Report & { savedAt: number };

interface RunRow {
  run_key: string;
  scheduled_ms: number;
  started_ms: number;
  ended_ms: number | null;
  status: string;
  detail: string;
}

/** A workspace's scheduled e-mail reports: their definitions, when they run next, their runs. */
export class ReportService {
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly db: Database,
    private readonly kpis: KpiService,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called after a report is saved or deleted (the scheduler looks again). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  async put(
    workspace: WorkspaceState,
    id: string,
    input: ReportInput,
    owner: string | null,
  ): Promise<Report> {
    checkSchedule(input.cron, input.timezone);
    for (const kpi of input.content.kpis) this.kpis.referencedKpi(workspace, kpi);
    for (const recipient of input.recipients) requireBrands(workspace, recipient.scope?.brands ?? []);
    const emails = input.recipients.map((r) => r.email.toLowerCase());
    const twice = emails.find((e, i) => emails.indexOf(e) !== i);
    if (twice) {
      throw faults.invalid(
        'invalid_report',
        `${twice} is listed twice among the recipients.`,
        'List each address once: one message goes to each recipient, with their own scope.',
      );
    }
    const report: Report = {
      id,
      name: input.name,
      cron: input.cron,
      timezone: input.timezone,
      language: input.language ?? 'en',
      recipients: input.recipients.map((r) => ({ ...r, email: r.email.toLowerCase() })),
      content: input.content,
      onEmptySection: input.onEmptySection ?? 'fail',
      attachPdf: input.attachPdf ?? false,
      enabled: input.enabled ?? true,
      owner: owner?.toLowerCase() ?? null,
    };
    await this.store(workspace, { ...report, savedAt: this.now() });
    return report;
  }

  private async store(workspace: WorkspaceState, report: StoredReport): Promise<void> {
    await this.db.write((sql) =>
      sql.script(q.put, { ws: workspace.key, id: report.id, definition: JSON.stringify(report) }),
    );
    for (const listener of this.listeners) listener();
  }

  private parse(workspace: WorkspaceState, definition: string): StoredReport | undefined {
    const read = storedOrSkip(this.log, StoredReport, definition, {
      table: 'reports',
      what: 'report',
      workspace: workspace.id,
    });
    return read ? { ...read, owner: read.owner ?? null, savedAt: read.savedAt ?? 0 } : undefined;
  }

  /** The stored reports with when they were saved (for the scheduler). */
  async stored(workspace: WorkspaceState): Promise<StoredReport[]> {
    const rows = await this.db.read((sql) => sql.rows<{ definition: string }>(q.list, { ws: workspace.key }));
    return rows.map((row) => this.parse(workspace, row.definition)).filter((r) => r !== undefined);
  }

  async get(workspace: WorkspaceState, id: string): Promise<StoredReport> {
    const found = await this.db.read((sql) =>
      sql.one<{ definition: string }>(q.one, { ws: workspace.key, id }),
    );
    const report = found && this.parse(workspace, found.definition);
    if (!report) throw faults.notFound(`Report "${id}"`, 'List the reports with GET …/reports.');
    return report;
  }

  async list(workspace: WorkspaceState): Promise<ReportList> {
    const [reports, last] = await Promise.all([this.stored(workspace), this.lastRuns(workspace)]);
    const nowMs = this.now();
    return {
      rows: reports.map(({ savedAt, ...report }) => ({
        ...report,
        nextRuns: report.enabled ? nextRuns(report.cron, report.timezone, NEXT_RUNS, nowMs) : [],
        lastRun: last.get(report.id) ?? null,
      })),
    };
  }

  private async lastRuns(workspace: WorkspaceState): Promise<Map<string, LastRun>> {
    const rows = await this.db.read((sql) =>
      sql.rows<{
        report: string;
        run_key: string;
        scheduled_ms: number;
        ended_ms: number | null;
        status: LastRun['status'];
      }>(q.lastRuns, { ws: workspace.key }),
    );
    return new Map(
      rows.map((r) => [
        r.report,
        {
          id: r.run_key,
          scheduledAt: new Date(r.scheduled_ms).toISOString(),
          endedAt: r.ended_ms === null ? null : new Date(r.ended_ms).toISOString(),
          status: r.status,
        },
      ]),
    );
  }

  /** The runs of a report, newest first. */
  async runs(workspace: WorkspaceState, id: string): Promise<ReportRunList> {
    await this.get(workspace, id);
    return { rows: await this.runRows(workspace, id, RUNS_LISTED) };
  }

  async runRows(workspace: WorkspaceState, id: string, limit: number): Promise<ReportRun[]> {
    const rows = await this.db.read((sql) =>
      sql.rows<RunRow>(q.runs, { ws: workspace.key, report: id, limit }),
    );
    return rows.flatMap((row) => {
      const run = storedOrSkip(this.log, ReportRun, row.detail, {
        table: 'report_runs',
        what: 'report run',
        workspace: workspace.id,
      });
      return run ? [{ ...run, status: row.status as ReportRun['status'] }] : [];
    });
  }

  /** Runs a stop interrupted, to finish on start. */
  async unfinished(
    workspace: WorkspaceState,
  ): Promise<{ report: string; run: ReportRun; scheduledMs: number }[]> {
    const rows = await this.db.read((sql) =>
      sql.rows<{ report: string; run_key: string; scheduled_ms: number; detail: string }>(q.unfinished, {
        ws: workspace.key,
      }),
    );
    return rows.flatMap((row) => {
      const run = storedOrSkip(this.log, ReportRun, row.detail, {
        table: 'report_runs',
        what: 'report run',
        workspace: workspace.id,
      });
      return run ? [{ report: row.report, run, scheduledMs: row.scheduled_ms }] : [];
    });
  }

  /** Takes an address off a report (its unsubscribe link); false when it was not on it. */
  async removeRecipient(workspace: WorkspaceState, id: string, email: string): Promise<boolean> {
    const report = await this.get(workspace, id);
    const left = report.recipients.filter((r) => r.email !== email.toLowerCase());
    if (left.length === report.recipients.length) return false;
    // The last one out pauses the report rather than leave it with nobody to send to.
    await this.store(workspace, { ...report, recipients: left, enabled: report.enabled && left.length > 0 });
    this.log.info({ workspace: workspace.id, report: id }, 'report: a recipient unsubscribed');
    return true;
  }

  async delete(workspace: WorkspaceState, id: string): Promise<void> {
    await this.get(workspace, id);
    await this.db.write((sql) => sql.script(q.delete, { ws: workspace.key, id }));
    for (const listener of this.listeners) listener();
  }

  async deleteWorkspace(sql: Sql, ws: number): Promise<void> {
    await sql.script(q.deleteWorkspace, { ws });
  }
}
