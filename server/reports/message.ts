// One recipient's mail: subject, HTML with its charts by content id, the text part, the benchmark
// CSV and the PDF when asked, the List-Unsubscribe headers (RFC 2369, one-click RFC 8058), and a
// Message-ID fixed by run and recipient, so that a resend after a crash can be recognised.
import { createHash } from 'node:crypto';
import { benchmarkTablesCsv } from '../../shared/benchmark-csv.js';
import type { Recipient } from '../../shared/schemas/reports.js';
import { formatDate } from '../../shared/format.js';
import type { RenderedChart } from './charts.js';
import type { ReportDocument } from './document.js';
import { renderHtml } from './html.js';
import type { OutgoingMail } from './mailer.js';
import { numbersFor } from './numbers.js';
import { renderText, type MailText } from './text.js';
import { words } from './words.js';

export interface MessageContext {
  baseUrl: string;
  /** The host part of Message-IDs. */
  host: string;
  runKey: string;
  unsubscribeUrl: string;
  test: boolean;
  setSize: number;
}

/** YYYY-MM-DD in the report's zone (file names). */
const day = (ms: number, timeZone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    ms,
  );

/** The period's last day: windows end at an exclusive instant, a reader counts the day it ends on. */
const lastDay = (toMs: number) => toMs - 1;

/**
 * A window in words, in the report's language and zone: whole days for calendar periods
 * ("24 Nov 2026 – 30 Nov 2026", the last day included), times for rolling ones, which end at
 * the hour of the run ("27 Nov, 08:00 – 4 Dec, 08:00").
 */
function spanText(doc: ReportDocument, window: { fromMs: number; toMs: number }): [string, string] {
  const say = words(doc.report.language);
  const tz = doc.workspace.timezone;
  const rolling = doc.report.content.window === 'last_7d' || doc.report.content.window === 'last_28d';
  if (rolling)
    return [
      formatDate(window.fromMs, say.locale, 'hour', tz),
      formatDate(window.toMs, say.locale, 'hour', tz),
    ];
  return [
    formatDate(window.fromMs, say.locale, 'date', tz),
    formatDate(lastDay(window.toMs), say.locale, 'date', tz),
  ];
}

export function periodText(doc: ReportDocument): string {
  return words(doc.report.language).period(...spanText(doc, doc.window));
}

export function mailText(
  doc: ReportDocument,
  recipient: Recipient,
  ctx: MessageContext,
  charts: readonly RenderedChart[],
): MailText {
  const say = words(doc.report.language);
  const numbers = numbersFor(say.locale, doc.workspace.timezone);
  const tz = doc.workspace.timezone;
  const period = periodText(doc);
  const base = say.subject(doc.report.name, period);
  const firstKpi = doc.report.content.kpis[0] ?? '';
  const query = new URLSearchParams({
    workspace: doc.workspace.id,
    kpi: firstKpi,
    window: 'custom',
    from: new Date(doc.window.fromMs).toISOString(),
    to: new Date(doc.window.toMs).toISOString(),
    lang: doc.report.language,
  });
  if (recipient.scope?.brands?.length) query.set('brands', recipient.scope.brands.join(','));
  return {
    say,
    numbers,
    subject: doc.problems.length ? say.warningSubject(base) : base,
    period,
    comparedWith: say.comparedWith(...spanText(doc, doc.previous)),
    asOf: say.dataAsOf(formatDate(doc.asOfMs, say.locale, 'datetime', tz)),
    dashboardUrl: `${ctx.baseUrl}/explorer?${query.toString()}`,
    unsubscribeUrl: ctx.unsubscribeUrl,
    charts: charts.map((c) => ({ cid: `chart-${c.kpi}@convergence`, alt: c.alt })),
    setSize: ctx.setSize,
    test: ctx.test,
  };
}

export function buildMessage(
  doc: ReportDocument,
  recipient: Recipient,
  ctx: MessageContext,
  charts: readonly RenderedChart[],
  pdf: Buffer | undefined,
): { mail: OutgoingMail; text: MailText } {
  const w = mailText(doc, recipient, ctx, charts);
  const html = renderHtml(doc, w);
  const attachments: NonNullable<OutgoingMail['attachments']> = charts.map((c, i) => ({
    filename: `${c.kpi}.png`,
    content: c.png,
    contentType: 'image/png',
    cid: w.charts[i]!.cid,
    contentDisposition: 'inline',
  }));
  const benchmark = doc.sections.find((s) => s.section === 'benchmark');
  if (benchmark) {
    attachments.push({
      filename: `benchmark-${day(doc.window.fromMs, doc.workspace.timezone)}_${day(lastDay(doc.window.toMs), doc.workspace.timezone)}.csv`,
      content: benchmarkTablesCsv(benchmark.tables.map((t) => ({ kpi: t.kpi.id, rows: t.rows }))),
      contentType: 'text/csv; charset=utf-8',
    });
  }
  if (pdf) {
    attachments.push({
      filename: `${doc.report.id}-${day(doc.window.fromMs, doc.workspace.timezone)}.pdf`,
      content: pdf,
      contentType: 'application/pdf',
    });
  }
  const hash = createHash('sha256').update(`${ctx.runKey}|${recipient.email}`).digest('hex').slice(0, 24);
  return {
    text: w,
    mail: {
      to: recipient.email,
      subject: w.subject,
      html,
      text: renderText(doc, w),
      attachments,
      messageId: `<report.${doc.report.id}.${hash}@${ctx.host}>`,
      headers: {
        'List-Unsubscribe': `<${ctx.unsubscribeUrl}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'Auto-Submitted': 'auto-generated',
      },
    },
  };
}
