// Scheduled e-mail reports: what a report holds, whom it goes to and when (issue 13). The API's
// words; the web's Reports page imports the same types.
import { Type, type Static } from 'typebox';
import { ID_PATTERN, TOUCHPOINTS } from '../vocabulary.js';
import { Email } from './auth.js';
import { literals } from './literals.js';
import { Nullable } from './nullable.js';
import { IdText } from './text.js';

export const REPORT_SECTIONS = [
  'summary',
  'benchmark',
  'dpi',
  'objectives',
  'alerts',
  'forecast',
  'charts',
] as const;
export const REPORT_WINDOWS = ['last_7d', 'previous_week', 'last_28d', 'previous_month'] as const;

export const RecipientScope = Type.Object(
  {
    brands: Type.Optional(Type.Array(IdText(), { maxItems: 200 })),
    touchpoints: Type.Optional(Type.Array(literals(TOUCHPOINTS), { maxItems: TOUCHPOINTS.length })),
  },
  { description: 'the brands and touchpoints this recipient may see; all when absent' },
);

export const Recipient = Type.Object({ email: Email, scope: Type.Optional(RecipientScope) });
export type Recipient = Static<typeof Recipient>;

export const ReportContent = Type.Object({
  window: literals(REPORT_WINDOWS, {
    description:
      'anchored at the run’s scheduled time in the report’s time zone: the 7 or 28 days before its hour, the last whole Monday–Sunday week, the last whole month',
  }),
  kpis: Type.Array(IdText(), { minItems: 1, maxItems: 12 }),
  sections: Type.Array(literals(REPORT_SECTIONS), { minItems: 1, maxItems: REPORT_SECTIONS.length }),
});

export const ReportInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  cron: Type.String({
    minLength: 1,
    maxLength: 100,
    description: 'five fields (minute hour day month weekday), or six with seconds first',
  }),
  timezone: IdText({ minLength: 1, description: 'IANA time zone the schedule and the windows follow' }),
  language: Type.Optional(literals(['en', 'fr'], { description: 'default en' })),
  recipients: Type.Array(Recipient, { minItems: 1, maxItems: 100 }),
  content: ReportContent,
  onEmptySection: Type.Optional(
    literals(['fail', 'warn'] as const, {
      description:
        'a section empty where the window has data: the run fails (default), or sends with a warning',
    }),
  ),
  attachPdf: Type.Optional(Type.Boolean({ description: 'default false' })),
  enabled: Type.Optional(Type.Boolean({ description: 'default true' })),
});
export type ReportInput = Static<typeof ReportInput>;

/** A report as stored: every default filled in. */
export const Report = Type.Object({
  id: Type.String(),
  name: Type.String(),
  cron: Type.String(),
  timezone: Type.String(),
  language: literals(['en', 'fr'] as const),
  recipients: Type.Array(Recipient),
  content: ReportContent,
  onEmptySection: literals(['fail', 'warn'] as const),
  attachPdf: Type.Boolean(),
  enabled: Type.Boolean(),
  owner: Nullable(
    Type.String({ description: 'who saved it last (their address): told when a run fails; null for a key' }),
  ),
});
export type Report = Static<typeof Report>;

export const RUN_STATUSES = ['running', 'sent', 'partial', 'failed', 'sent_with_warning'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RunRecipient = Type.Object({
  email: Type.String(),
  status: literals(['sent', 'failed'] as const),
  attempts: Type.Integer({ description: 'SMTP attempts made (retries with backoff)' }),
  response: Type.Optional(Type.String({ description: 'the SMTP server’s last answer' })),
  messageId: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
});
export type RunRecipient = Static<typeof RunRecipient>;

export const SectionProblem = Type.Object({
  section: literals(REPORT_SECTIONS),
  kind: literals(['error', 'empty'] as const),
  message: Type.String(),
  recipient: Type.Optional(Type.String({ description: 'when it concerns one recipient’s scope only' })),
});

export const ReportRun = Type.Object({
  id: Type.String({ description: 'the idempotency key: schedule:<scheduled time> for scheduled runs' }),
  trigger: literals(['schedule', 'send', 'test'] as const),
  scheduledAt: Type.String({ description: 'ISO UTC: the time it was due (send-now: when asked)' }),
  startedAt: Type.String(),
  endedAt: Nullable(Type.String()),
  status: literals(RUN_STATUSES, {
    description:
      'sent: every recipient’s server took it; partial: some did not; failed: none did, or a section failed (nothing sent); sent_with_warning: sent, saying which sections are missing',
  }),
  window: Type.Object({ from: Type.String(), to: Type.String() }),
  recipients: Type.Array(RunRecipient),
  problems: Type.Array(SectionProblem),
  error: Type.Optional(Type.String({ description: 'why the run failed as a whole' })),
  notice: Type.Optional(
    Type.Object(
      {
        to: Type.String(),
        status: literals(['sent', 'failed'] as const),
        error: Type.Optional(Type.String()),
      },
      { description: 'the failure notice to the report’s owner' },
    ),
  ),
  renderMs: Type.Optional(Type.Number()),
});
export type ReportRun = Static<typeof ReportRun>;
export const ReportRunList = Type.Object({ rows: Type.Array(ReportRun) });
export type ReportRunList = Static<typeof ReportRunList>;

export const LastRun = Type.Object({
  id: Type.String(),
  scheduledAt: Type.String(),
  endedAt: Nullable(Type.String()),
  status: literals(RUN_STATUSES),
});
export type LastRun = Static<typeof LastRun>;

export const ReportRow = Type.Object({
  ...Report.properties,
  nextRuns: Type.Array(Type.String(), { description: 'the next 5 run times, ISO UTC (none while disabled)' }),
  lastRun: Type.Union([LastRun, Type.Null()], { description: 'the last run; null before the first' }),
});
export type ReportRow = Static<typeof ReportRow>;

export const ReportList = Type.Object({ rows: Type.Array(ReportRow) });
export type ReportList = Static<typeof ReportList>;

export const SendReportInput = Type.Object({
  to: Type.Optional(
    Type.Unsafe<string>({
      ...Email,
      description:
        'a test: only this address gets it, marked as a test; a listed recipient sees their own scope, another address the whole set',
    }),
  ),
});
export type SendReportInput = Static<typeof SendReportInput>;

export const PreviewQuery = Type.Object({
  recipient: Type.Optional(Type.String({ description: 'render as this recipient sees it (their scope)' })),
});

export const ReportParams = Type.Object({ workspace: IdText(), id: Type.String({ pattern: ID_PATTERN }) });

export type ReportSection = (typeof REPORT_SECTIONS)[number];
export type ReportWindow = Static<typeof ReportContent>['window'];
