import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Report, ReportInput, ReportList, ReportParams } from '../../shared/schemas/reports.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { answer, empty, failure } from '../http/openapi.js';
import type { ReportService } from './service.js';

const tags = ['reports'];

export const reportRoutes: FastifyPluginAsyncTypebox<{ reports: ReportService }> = async (
  app,
  { reports },
) => {
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
      reports.put(app.workspaces.require(request.params.workspace), request.params.id, request.body),
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
};
