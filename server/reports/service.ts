import type { FastifyBaseLogger } from 'fastify';
import { Report, type ReportInput, type ReportList } from '../../shared/schemas/reports.js';
import type { Database, Sql } from '../db/database.js';
import { storedOrSkip } from '../db/stored.js';
import { faults } from '../errors.js';
import { requireBrands, type KpiService } from '../kpi/service.js';
import type { WorkspaceState } from '../workspaces/service.js';
import { q } from './queries.js';
import { checkSchedule, nextRuns } from './schedule.js';

/** How many coming runs a report lists. */
const NEXT_RUNS = 5;

/** A workspace's scheduled e-mail reports: their definitions and when they run next. */
export class ReportService {
  constructor(
    private readonly db: Database,
    private readonly kpis: KpiService,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {}

  async put(workspace: WorkspaceState, id: string, input: ReportInput): Promise<Report> {
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
    };
    await this.db.write((sql) =>
      sql.script(q.put, { ws: workspace.key, id, definition: JSON.stringify(report) }),
    );
    return report;
  }

  async list(workspace: WorkspaceState): Promise<ReportList> {
    const rows = await this.db.read((sql) => sql.rows<{ definition: string }>(q.list, { ws: workspace.key }));
    const nowMs = this.now();
    return {
      rows: rows
        .map((row) =>
          storedOrSkip(this.log, Report, row.definition, {
            table: 'reports',
            what: 'report',
            workspace: workspace.id,
          }),
        )
        .filter((r): r is Report => r !== undefined)
        .map((report) => ({
          ...report,
          nextRuns: report.enabled ? nextRuns(report.cron, report.timezone, NEXT_RUNS, nowMs) : [],
          lastRun: null,
        })),
    };
  }

  async delete(workspace: WorkspaceState, id: string): Promise<void> {
    const found = await this.db.read((sql) => sql.one(q.one, { ws: workspace.key, id }));
    if (!found) throw faults.notFound(`Report "${id}"`, 'List the reports with GET …/reports.');
    await this.db.write((sql) => sql.run(q.delete, { ws: workspace.key, id }));
  }

  async deleteWorkspace(sql: Sql, ws: number): Promise<void> {
    await sql.run(q.deleteWorkspace, { ws });
  }
}
