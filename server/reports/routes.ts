import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  PreviewQuery,
  Report,
  ReportInput,
  ReportList,
  ReportParams,
  ReportRun,
  ReportRunList,
  SendReportInput,
} from '../../shared/schemas/reports.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { answer, empty, failure } from '../http/openapi.js';
import type { ReportDelivery } from './delivery.js';
import type { ReportService } from './service.js';
import { unsubscribePage } from './unsubscribe-page.js';
import type { UnsubscribeLinks } from './unsubscribe.js';

const tags = ['reports'];

export const reportRoutes: FastifyPluginAsyncTypebox<{
  reports: ReportService;
  delivery: ReportDelivery;
  links: UnsubscribeLinks;
}> = async (app, { reports, delivery, links }) => {
  // Recipients are people's addresses: analysts and admins see them, viewers do not.
  app.get(
    '/api/v1/workspaces/:workspace/reports',
    {
      config: { access: 'analyst' },
      schema: {
        tags,
        operationId: 'listReports',
        summary: 'The workspace’s scheduled e-mail reports, with their next runs',
        description:
          'Every report with its schedule, recipients and content, the next five times it runs (ISO UTC, from its cron in its own time zone; none while disabled) and its last run.',
        params: WorkspaceParams,
        response: {
          200: answer(ReportList, 'The reports.'),
          404: failure('The workspace does not exist (`unknown_workspace`).'),
        },
      },
    },
    async (request) => reports.list(app.workspaces.require(request.params.workspace)),
  );

  app.put(
    '/api/v1/workspaces/:workspace/reports/:id',
    {
      config: { access: 'analyst', audit: { action: 'report.put' } },
      schema: {
        tags,
        operationId: 'putReport',
        summary: 'Create or replace a scheduled e-mail report',
        description:
          'A report: its name, a cron schedule (five fields, or six with seconds first) in an IANA time zone, its language, the recipients (each with the brands and touchpoints they may see) and its content (window, KPIs, sections). Defaults: language en, onEmptySection fail, attachPdf false, enabled true.',
        params: ReportParams,
        body: ReportInput,
        response: {
          200: answer(Report, 'The report as saved, defaults filled in.'),
          400: failure(
            'The report is not valid: a schedule or time zone that cannot be read, a KPI or brand the workspace does not have, an address listed twice, a field out of bounds (`invalid_report`, `unknown_kpi`, `invalid_query`, `invalid_request`).',
          ),
          404: failure('The workspace does not exist (`unknown_workspace`).'),
        },
      },
    },
    async (request) =>
      reports.put(
        app.workspaces.require(request.params.workspace),
        request.params.id,
        request.body,
        request.principal?.user?.email ?? null,
      ),
  );

  app.delete(
    '/api/v1/workspaces/:workspace/reports/:id',
    {
      config: { access: 'analyst', audit: { action: 'report.delete' } },
      schema: {
        tags,
        operationId: 'deleteReport',
        summary: 'Delete a scheduled e-mail report',
        description: 'The report stops: nothing more is sent for it.',
        params: ReportParams,
        response: {
          204: empty('Deleted.'),
          404: failure('The workspace or the report does not exist (`unknown_workspace`, `not_found`).'),
        },
      },
    },
    async (request, reply) => {
      await reports.delete(app.workspaces.require(request.params.workspace), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/workspaces/:workspace/reports/:id/send',
    {
      // `curl -X POST …/send` with no body sends to everyone: no body reads as {}.
      preValidation: async (request) => {
        request.body ??= {};
      },
      config: { access: 'analyst', audit: { action: 'report.send' } },
      schema: {
        tags,
        operationId: 'sendReport',
        summary: 'Send a report now, to all its recipients or as a test to one address',
        description:
          'Runs the report now, its window anchored at this moment, and answers with the run once it has ended (200), or as it stands after 15 s if the mail server is slow (202; GET …/runs shows the end). `{ "to": address }` sends a test to that address only: a listed recipient gets their own scope, another address the whole set, and the mail says it is a test.',
        params: ReportParams,
        body: SendReportInput,
        response: {
          200: answer(ReportRun, 'The run, ended: its status and each recipient’s SMTP answer.'),
          202: answer(ReportRun, 'The run, still sending.'),
          400: failure('The address is not an e-mail address (`invalid_request`).'),
          404: failure('The workspace or the report does not exist (`unknown_workspace`, `not_found`).'),
        },
      },
    },
    async (request, reply) => {
      const { run, done } = await delivery.send(
        app.workspaces.require(request.params.workspace),
        request.params.id,
        request.body.to,
      );
      return reply.code(done ? 200 : 202).send(run);
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/reports/:id/preview',
    {
      config: { access: 'analyst' },
      schema: {
        tags,
        operationId: 'previewReport',
        summary: 'The report as its mail would show now, for the browser',
        description:
          'The HTML part of the mail the report would send now (window anchored now), with its charts inlined: for the whole set, or as `recipient` (one of its addresses) sees it within their scope. Nothing is sent or recorded.',
        params: ReportParams,
        querystring: PreviewQuery,
        response: {
          200: { description: 'The HTML.', content: { 'text/html': { schema: Type.String() } } },
          404: failure(
            'The workspace, the report or that recipient does not exist (`unknown_workspace`, `not_found`).',
          ),
        },
      },
    },
    async (request, reply) => {
      const html = await delivery.preview(
        app.workspaces.require(request.params.workspace),
        request.params.id,
        request.query.recipient,
      );
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/reports/:id/runs',
    {
      config: { access: 'analyst' },
      schema: {
        tags,
        operationId: 'listReportRuns',
        summary: 'The report’s runs, newest first',
        description:
          'Each run (the last 100): when it was due, when it started and ended, its status (`sent`, `partial`, `failed`, `sent_with_warning`, or `running`), the window it covered, the sections that failed or came out empty and why, and per recipient the SMTP server’s answer and the message id (or the error after the retries). A failed or partial run also says whether its owner was told.',
        params: ReportParams,
        response: {
          200: answer(ReportRunList, 'The runs.'),
          404: failure('The workspace or the report does not exist (`unknown_workspace`, `not_found`).'),
        },
      },
    },
    async (request) => reports.runs(app.workspaces.require(request.params.workspace), request.params.id),
  );

  // One-click unsubscribe (RFC 8058) posts a form body; the page's button posts one too.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, body),
  );
  const UnsubscribeQuery = Type.Object({
    workspace: Type.String({ maxLength: 200 }),
    report: Type.String({ maxLength: 200 }),
    email: Type.String({ maxLength: 254 }),
    token: Type.String({ maxLength: 200 }),
  });
  const unsubscribeSchema = (method: 'GET' | 'POST') => ({
    tags,
    operationId: method === 'GET' ? 'unsubscribePage' : 'unsubscribe',
    summary:
      method === 'GET'
        ? 'The page an unsubscribe link opens: it asks to confirm'
        : 'Take an address off a report (the link in each mail, and one-click List-Unsubscribe)',
    description:
      method === 'GET'
        ? 'Opening the link changes nothing (mail scanners open links); the page’s button confirms.'
        : 'Signed for one report and one address: the address gets no more of that report. The last recipient out pauses the report.',
    querystring: UnsubscribeQuery,
    produces: ['text/html'],
    response: {
      200: answer(Type.String(), 'A page saying what happened.'),
      404: failure('The link is not valid (`not_found`).'),
    },
  });
  const handle =
    (confirm: boolean) =>
    async (
      request: { query: { workspace: string; report: string; email: string; token: string } },
      reply: FastifyReply,
    ) => {
      const { workspace: wsId, report: id, email, token } = request.query;
      const workspace = app.workspaces.get(wsId);
      const found =
        workspace && (await links.verify(workspace, id, email, token))
          ? await reports.get(workspace, id).catch(() => undefined)
          : undefined;
      const language = found?.language ?? 'en';
      let state: 'ask' | 'done' | 'invalid' = 'invalid';
      if (workspace && found) {
        if (confirm) {
          await reports.removeRecipient(workspace, id, email);
          state = 'done';
        } else state = 'ask';
      }
      return reply
        .code(state === 'invalid' ? 404 : 200)
        .type('text/html; charset=utf-8')
        .send(unsubscribePage(state, language, found?.name ?? '', email));
    };
  app.get(
    '/api/v1/reports/unsubscribe',
    { config: { access: 'public' }, schema: unsubscribeSchema('GET') },
    handle(false),
  );
  app.post(
    '/api/v1/reports/unsubscribe',
    { config: { access: 'public' }, schema: unsubscribeSchema('POST') },
    handle(true),
  );
};
