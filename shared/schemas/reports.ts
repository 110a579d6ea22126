// Scheduled e-mail reports: what a report holds, whom it goes to and when (issue 13). The API's
// words; the web's Reports page imports the same types.
import { Type, type Static } from 'typebox';
import { ID_PATTERN, TOUCHPOINTS } from '../vocabulary.js';
import { Email } from './auth.js';
import { literals } from './literals.js';
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
});
export type Report = Static<typeof Report>;

export const ReportRow = Type.Object({
  ...Report.properties,
  nextRuns: Type.Array(Type.String(), { description: 'the next 5 run times, ISO UTC (none while disabled)' }),
  lastRun: Type.Null({ description: 'the last run; null until reports are sent' }),
});
export type ReportRow = Static<typeof ReportRow>;

export const ReportList = Type.Object({ rows: Type.Array(ReportRow) });
export type ReportList = Static<typeof ReportList>;

export const ReportParams = Type.Object({ workspace: IdText(), id: Type.String({ pattern: ID_PATTERN }) });
