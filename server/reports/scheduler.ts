// When reports go out: each enabled report's cron in its own zone (croner, DST-safe). One timer
// sleeps until the earliest due time; on waking, every report with a due time since the last look
// runs once under the key schedule:<due time>, claimed in DuckDB, so a second hub start or a tick
// that comes twice never sends it again. On start the look goes back over the catch-up window: a
// run missed while the hub was down goes out once, late; older ones are left (a Monday report on
// Thursday would mislead). Runs a stop cut short are finished first.
import type { FastifyBaseLogger } from 'fastify';
import type { WorkspaceService } from '../workspaces/service.js';
import type { ReportRunner } from './runner.js';
import { lastDue, nextDue } from './schedule.js';
import type { ReportService } from './service.js';

/** The longest sleep: a clock change or a missed timer is noticed within it. */
const MAX_SLEEP_MS = 60_000;

export const scheduleKey = (dueMs: number) => `schedule:${new Date(dueMs).toISOString()}`;

export class ReportScheduler {
  private timer: NodeJS.Timeout | undefined;
  private checkedUntil: number;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly reports: ReportService,
    private readonly runner: ReportRunner,
    private readonly workspaces: WorkspaceService,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number,
    catchUpMs: number,
  ) {
    this.checkedUntil = now() - catchUpMs;
  }

  async start(): Promise<void> {
    await this.resume();
    this.wake();
  }

  /** Looks again now (a report was saved or deleted, or the timer fired). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.check()
      .catch((err: unknown) => this.log.error({ err }, 'report scheduler: check failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.runner.stop();
  }

  private async resume(): Promise<void> {
    for (const { id } of this.workspaces.list()) {
      const workspace = this.workspaces.get(id);
      if (!workspace) continue;
      const reports = new Map((await this.reports.stored(workspace)).map((r) => [r.id, r]));
      for (const { report: reportId, run, scheduledMs } of await this.reports.unfinished(workspace)) {
        const report = reports.get(reportId);
        if (!report) continue;
        this.log.info(
          { workspace: id, report: reportId, run: run.id },
          'report: finishing a run a stop cut short',
        );
        void this.runner.resume(
          { workspace, report, key: run.id, trigger: run.trigger, scheduledMs, anchorMs: scheduledMs },
          run,
        );
      }
    }
  }

  private async check(): Promise<void> {
    const nowMs = this.now();
    const from = this.checkedUntil;
    let earliest = nowMs + MAX_SLEEP_MS;
    for (const { id } of this.workspaces.list()) {
      const workspace = this.workspaces.get(id);
      if (!workspace) continue;
      for (const report of await this.reports.stored(workspace)) {
        if (!report.enabled || report.recipients.length === 0) continue;
        // Not before it was saved: a report made at 10:00 does not catch up on 08:00.
        const due = lastDue(report.cron, report.timezone, Math.max(from, report.savedAt), nowMs);
        if (due !== undefined) {
          const started = await this.runner.start({
            workspace,
            report,
            key: scheduleKey(due),
            trigger: 'schedule',
            scheduledMs: due,
            anchorMs: due,
          });
          if (started)
            this.log.info(
              { workspace: id, report: report.id, due: new Date(due).toISOString() },
              'report run started',
            );
        }
        const next = nextDue(report.cron, report.timezone, nowMs);
        if (next !== undefined) earliest = Math.min(earliest, next);
      }
    }
    this.checkedUntil = nowMs;
    if (this.stopped) return;
    this.timer = setTimeout(() => this.wake(), Math.max(0, earliest - this.now()) + 5);
    this.timer.unref();
  }
}
