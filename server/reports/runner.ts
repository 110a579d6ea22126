// One run of a report, end to end: claim its idempotency key, read the figures once per set of
// touchpoints, cut them to each recipient's scope, refuse to send a section that failed or came
// out empty (or send it flagged, per onEmptySection), render, check that no hidden brand's name is
// in the message, send, and record each recipient's answer as it comes. Runs go one at a time:
// twenty reports due at 08:00 queue rather than compete with the live wall for the two cores.
import type { FastifyBaseLogger } from 'fastify';
import type { Recipient, Report, ReportRun, RunRecipient } from '../../shared/schemas/reports.js';
import { formatDate } from '../../shared/format.js';
import type { Database } from '../db/database.js';
import type { WorkspaceState } from '../workspaces/service.js';
import { readFigures, type ComposeServices, type Figures } from './compose.js';
import type { ReportDocument } from './document.js';
import { buildMessage, type MessageContext } from './message.js';
import type { Mailer } from './mailer.js';
import { q } from './queries.js';
import { documentFor, hiddenNames } from './scope.js';
import type { RenderPool } from './render-pool.js';
import type { UnsubscribeLinks } from './unsubscribe.js';
import { words } from './words.js';

export interface RunRequest {
  workspace: WorkspaceState;
  report: Report;
  key: string;
  trigger: ReportRun['trigger'];
  scheduledMs: number;
  /** Windows are anchored here: the scheduled time, or now for a send-now. */
  anchorMs: number;
  /** A test: only this address (their scope when listed, the whole set otherwise). */
  to?: string;
}

export interface RunnerSettings {
  baseUrl: () => string;
  host: string;
  /** Live screens are open: each send then rests as long as it worked (see execute). */
  screensWatching?: () => boolean;
}

/** How many runs a report's history keeps. */
const KEEP_RUNS = 200;

const scopeKey = (r: Recipient) =>
  JSON.stringify([[...(r.scope?.brands ?? [])].sort(), [...(r.scope?.touchpoints ?? [])].sort()]);

export class ReportRunner {
  private chain: Promise<unknown> = Promise.resolve();
  private stopping = false;

  constructor(
    private readonly db: Database,
    private readonly services: ComposeServices,
    private readonly mailer: Mailer,
    private readonly links: UnsubscribeLinks,
    private readonly renderer: RenderPool,
    private readonly settings: RunnerSettings,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Claims the run's key and queues it; undefined when that key has already run. */
  async start(request: RunRequest): Promise<{ run: ReportRun; done: Promise<ReportRun> } | undefined> {
    const run: ReportRun = {
      id: request.key,
      trigger: request.trigger,
      scheduledAt: new Date(request.scheduledMs).toISOString(),
      startedAt: new Date(this.now()).toISOString(),
      endedAt: null,
      status: 'running',
      window: { from: '', to: '' },
      recipients: [],
      problems: [],
    };
    const claimed = await this.db.write((sql) =>
      sql.rows(q.claimRun, {
        ws: request.workspace.key,
        report: request.report.id,
        key: request.key,
        scheduled: request.scheduledMs,
        started: Date.parse(run.startedAt),
        detail: JSON.stringify(run),
      }),
    );
    if (claimed.length === 0) return undefined;
    const done = this.enqueue(() => this.execute(request, run));
    return { run, done };
  }

  /** Finishes a run a stop interrupted: those already answered are not sent again. */
  resume(request: RunRequest, run: ReportRun): Promise<ReportRun> {
    return this.enqueue(() => this.execute(request, run));
  }

  /** Resolves once every queued run has ended. */
  idle(): Promise<void> {
    return this.chain.then(() => undefined);
  }

  /**
   * A stop: the run under way ends after the recipient being sent to, queued ones do not start.
   * Both stay `running` in DuckDB and are finished on the next start (see the scheduler).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.idle();
  }

  private enqueue(job: () => Promise<ReportRun>): Promise<ReportRun> {
    const guarded = (run: () => Promise<ReportRun>) => () =>
      this.stopping ? Promise.reject(new Error('the hub is stopping')) : run();
    const next = this.chain.then(guarded(job), guarded(job));
    this.chain = next.catch(() => undefined);
    // A run nobody awaits (a scheduled one) that a stop leaves for later is not an unhandled error.
    next.catch(() => undefined);
    return next;
  }

  /**
   * The documents of the recipients a run sends to (a test's one address: their scope when listed,
   * the whole set otherwise), or of those given (the preview).
   */
  async documents(
    request: RunRequest,
    recipients: readonly Recipient[] = request.to
      ? [request.report.recipients.find((r) => r.email === request.to) ?? { email: request.to }]
      : request.report.recipients,
  ): Promise<{ recipient: Recipient; doc: ReportDocument }[]> {
    const { workspace, report } = request;
    const figures = new Map<string, Figures>();
    const out: { recipient: Recipient; doc: ReportDocument }[] = [];
    for (const recipient of recipients) {
      const touchpoints = recipient.scope?.touchpoints?.length ? recipient.scope.touchpoints : undefined;
      const key = JSON.stringify(touchpoints ?? null);
      let read = figures.get(key);
      if (!read) {
        read = await readFigures(this.services, workspace, report, request.anchorMs, touchpoints, this.now());
        figures.set(key, read);
      }
      out.push({ recipient, doc: documentFor(workspace, report, read, recipient) });
    }
    return out;
  }

  private async context(request: RunRequest, recipient: Recipient, test: boolean): Promise<MessageContext> {
    return {
      baseUrl: this.settings.baseUrl(),
      host: this.settings.host,
      runKey: request.key,
      unsubscribeUrl: await this.links.url(request.workspace, request.report.id, recipient.email),
      test,
      setSize: request.workspace.brands.length,
    };
  }

  /** A recipient's message as it would go out (the preview), its charts drawn on the report worker. */
  async message(request: RunRequest, recipient: Recipient, doc: ReportDocument) {
    const ctx = await this.context(request, recipient, false);
    const parts = await this.renderer.render({ brands: request.workspace.brands, doc, recipient, ctx });
    return { ...buildMessage(doc, recipient, ctx, parts.charts, parts.pdf), charts: parts.charts };
  }

  private async execute(request: RunRequest, run: ReportRun): Promise<ReportRun> {
    const { workspace, report } = request;
    const started = performance.now();
    const save = () =>
      this.db.write((sql) =>
        sql.run(q.updateRun, {
          ws: workspace.key,
          report: report.id,
          key: run.id,
          status: run.status,
          ended: run.endedAt === null ? null : Date.parse(run.endedAt),
          detail: JSON.stringify(run),
        }),
      );
    try {
      const docs = await this.documents(request);
      const first = docs[0]?.doc;
      if (first) {
        run.window = {
          from: new Date(first.window.fromMs).toISOString(),
          to: new Date(first.window.toMs).toISOString(),
        };
      }
      run.problems = [];
      for (const { recipient, doc } of docs) {
        for (const p of doc.problems) {
          if (!run.problems.some((o) => o.section === p.section && o.message === p.message)) {
            run.problems.push(docs.length > 1 && recipient.scope ? { ...p, recipient: recipient.email } : p);
          }
        }
      }
      if (run.problems.length > 0 && report.onEmptySection === 'fail') {
        run.status = 'failed';
        run.error = `Not sent: ${run.problems.map((p) => `${p.section}: ${p.message}`).join(' ')}`;
        return await this.finish(request, run, save);
      }
      const answered = new Set(run.recipients.map((r) => r.email));
      let renderMs = 0;
      for (const { recipient, doc } of docs) {
        if (answered.has(recipient.email)) continue;
        if (this.stopping) return run;
        // Drawn, built, checked and sent on the report worker: the event loop only keeps the record.
        const sendStarted = performance.now();
        const { outcome: sent, renderMs: ms } = await this.renderer.send({
          brands: workspace.brands,
          doc,
          recipient,
          ctx: await this.context(request, recipient, request.to !== undefined),
          hidden: hiddenNames(workspace, recipient),
          drawKey: scopeKey(recipient),
        });
        renderMs += ms;
        let outcome: RunRecipient;
        if ('leak' in sent) {
          this.log.error(
            { report: report.id, workspace: workspace.id },
            'report: a brand outside a recipient’s scope was in the message; not sent',
          );
          outcome = {
            email: recipient.email,
            status: 'failed',
            attempts: 0,
            error: 'Not sent: the message would have named a brand outside this recipient’s scope.',
          };
        } else {
          outcome = sent.ok
            ? {
                email: recipient.email,
                status: 'sent',
                attempts: sent.attempts,
                response: sent.response,
                messageId: sent.messageId,
              }
            : {
                email: recipient.email,
                status: 'failed',
                attempts: sent.attempts,
                error: sent.error,
                ...(sent.response ? { response: sent.response } : {}),
              };
        }
        run.recipients.push(outcome);
        await save();
        // While screens are live, a report works half the time: on two cores, drawing back to back
        // raised the wall's freshness p99 by 20–35 ms even at SCHED_IDLE; resting as long as it
        // worked measured no change (docs/benchmarks.md). Twenty reports then take twice as long.
        if (this.settings.screensWatching?.()) {
          await new Promise((resolve) => setTimeout(resolve, performance.now() - sendStarted));
        }
      }
      run.renderMs = Math.round(renderMs);
      const sent = run.recipients.filter((r) => r.status === 'sent').length;
      run.status =
        sent === 0
          ? 'failed'
          : sent < run.recipients.length
            ? 'partial'
            : run.problems.length
              ? 'sent_with_warning'
              : 'sent';
      if (run.status === 'failed') run.error = 'No recipient’s mail server took the report.';
    } catch (err) {
      this.log.error({ err, report: report.id, workspace: workspace.id }, 'report run failed');
      run.status = 'failed';
      run.error = err instanceof Error ? err.message : String(err);
    }
    this.log.info(
      {
        report: report.id,
        workspace: workspace.id,
        run: run.id,
        status: run.status,
        ms: Math.round(performance.now() - started),
      },
      'report run ended',
    );
    return this.finish(request, run, save);
  }

  private async finish(request: RunRequest, run: ReportRun, save: () => Promise<void>): Promise<ReportRun> {
    run.endedAt = new Date(this.now()).toISOString();
    if ((run.status === 'failed' || run.status === 'partial') && request.to === undefined) {
      await this.notifyOwner(request, run);
    }
    await save();
    await this.db.write((sql) =>
      sql.run(q.trimRuns, { ws: request.workspace.key, report: request.report.id, keep: KEEP_RUNS }),
    );
    return run;
  }

  /** Tells the report's owner that a run did not go out, with each recipient's answer. */
  private async notifyOwner(request: RunRequest, run: ReportRun): Promise<void> {
    const { report, workspace } = request;
    const to = report.owner;
    this.log.warn(
      { report: report.id, workspace: workspace.id, run: run.id, status: run.status },
      'report not sent to everyone',
    );
    if (!to) return;
    const say = words(report.language);
    const at = formatDate(run.scheduledAt, say.locale, 'datetime', report.timezone);
    const lines = [
      say.failedIntro(report.name, at),
      '',
      ...(run.error ? [run.error, ''] : []),
      ...run.problems.map((p) => `- ${say.sections[p.section]}: ${p.message}`),
      ...run.recipients
        .filter((r) => r.status === 'failed')
        .map((r) => `- ${r.email}: ${r.error ?? ''} ${r.response ?? ''}`.trim()),
      '',
      say.failedFix,
      `${this.settings.baseUrl()}/reports?workspace=${encodeURIComponent(workspace.id)}&report=${encodeURIComponent(report.id)}`,
    ];
    const sent = await this.mailer.send({
      to,
      subject: say.failedSubject(report.name),
      text: lines.join('\n'),
      messageId: `<notice.${report.id}.${Date.parse(run.startedAt)}@${this.settings.host}>`,
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
    run.notice = sent.ok ? { to, status: 'sent' } : { to, status: 'failed', error: sent.error };
  }
}
