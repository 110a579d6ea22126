// What people ask of reports besides their schedule: send one now (to all, or a test to one
// address) and see it as a recipient would, in the browser.
import { randomBytes } from 'node:crypto';
import type { ReportRun } from '../../shared/schemas/reports.js';
import { faults } from '../errors.js';
import type { WorkspaceState } from '../workspaces/service.js';
import type { ReportRunner, RunRequest } from './runner.js';
import type { ReportService } from './service.js';

/** How long a send-now waits for its run before answering that it is still going. */
const SEND_WAIT_MS = 15_000;

export class ReportDelivery {
  constructor(
    private readonly reports: ReportService,
    private readonly runner: ReportRunner,
    private readonly now: () => number,
    private readonly waitMs = SEND_WAIT_MS,
  ) {}

  /** Runs the report now (its window anchored now); `done` false when it is still sending. */
  async send(workspace: WorkspaceState, id: string, to?: string): Promise<{ run: ReportRun; done: boolean }> {
    const report = await this.reports.get(workspace, id);
    const nowMs = this.now();
    const trigger = to ? 'test' : 'send';
    const request: RunRequest = {
      workspace,
      report,
      key: `${trigger}:${new Date(nowMs).toISOString()}:${randomBytes(3).toString('hex')}`,
      trigger,
      scheduledMs: nowMs,
      anchorMs: nowMs,
      ...(to ? { to: to.toLowerCase() } : {}),
    };
    const started = await this.runner.start(request);
    if (!started) throw new Error('a fresh run key was already taken');
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      started.done.then((run) => ({ run, done: true })),
      new Promise<{ run: ReportRun; done: boolean }>((resolve) => {
        timer = setTimeout(() => resolve({ run: started.run, done: false }), this.waitMs);
      }),
    ]);
    clearTimeout(timer);
    return waited;
  }

  /** The HTML a recipient (the whole set when none is named) would get now, charts inlined. */
  async preview(workspace: WorkspaceState, id: string, recipient?: string): Promise<string> {
    const report = await this.reports.get(workspace, id);
    const email = recipient?.toLowerCase();
    const as = email ? report.recipients.find((r) => r.email === email) : { email: '' };
    if (!as) {
      throw faults.notFound(
        `Recipient ${email} of report "${id}"`,
        'Preview as one of the report’s recipients, or with no recipient for the whole set.',
      );
    }
    const nowMs = this.now();
    const request: RunRequest = {
      workspace,
      report,
      key: 'preview',
      trigger: 'test',
      scheduledMs: nowMs,
      anchorMs: nowMs,
    };
    // No recipient: the whole set, as nobody in particular (its unsubscribe link removes no one).
    const { recipient: who, doc } = (await this.runner.documents(request, [as]))[0]!;
    const { mail, text, charts } = await this.runner.message(request, who, doc);
    let html = String(mail.html);
    text.charts.forEach((c, i) => {
      html = html.replace(`cid:${c.cid}`, `data:image/png;base64,${charts[i]!.png.toString('base64')}`);
    });
    return html;
  }
}
