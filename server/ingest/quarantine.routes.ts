import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  PurgeResult,
  QuarantineFilter,
  QuarantinePage,
  QuarantineQuery,
  ReplayResult,
} from '../../shared/schemas/quarantine.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { answer, failure, RETRY_AFTER } from '../http/openapi.js';

export const quarantineRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['quarantine'];
  const path = '/api/v1/workspaces/:workspace/quarantine';
  const unknownWorkspace = failure('The workspace does not exist (`unknown_workspace`).');

  app.get(
    path,
    {
      schema: {
        tags,
        operationId: 'listQuarantine',
        summary: 'Rejected rows, as sent, with the reason',
        description:
          'The rows ingest rejected and holds, oldest first, each as it was sent (its first 4 KB when longer) with the reason, the field and the message; `reason=` keeps one reason. A page holds at most `limit` rows and stops before 4 MB: pass its `nextCursor` as `cursor=` for the next one. `counts` gives the rows held per reason over all pages.',
        params: WorkspaceParams,
        querystring: QuarantineQuery,
        response: {
          200: answer(QuarantinePage, 'A page of held rows, and the counts per reason.'),
          400: failure(
            '`cursor` is not one this API gave, or `limit` or another field is out of bounds (`invalid_query`, `invalid_request`).',
          ),
          404: unknownWorkspace,
        },
      },
    },
    async (request) =>
      app.ingest.quarantinePage(app.workspaces.require(request.params.workspace), request.query),
  );

  app.post(
    `${path}/replay`,
    {
      config: { access: 'admin', audit: { action: 'quarantine.replay' } },
      schema: {
        tags,
        operationId: 'replayQuarantine',
        summary: 'Re-validate held rows against today’s configuration and ingest those that pass',
        description:
          'After a fix (a brand added to the set, a metric declared), checks the held rows (all, or those of `reason=`) again against the workspace as it is now: those that pass are ingested and leave the quarantine, the others stay. Rows cut at 4 KB cannot be judged again and stay held. Answers once the rows are committed.',
        params: WorkspaceParams,
        querystring: QuarantineFilter,
        response: {
          200: answer(ReplayResult, 'Rows ingested, rows still held, and the counts per reason.'),
          400: failure('The workspace id or `reason` is not valid (`invalid_request`).'),
          404: unknownWorkspace,
          503: failure(
            'The hub is shutting down, or the database could not store the rows (`shutting_down`, `commit_failed`); rows committed before stay ingested.',
            RETRY_AFTER,
          ),
        },
      },
    },
    async (request) =>
      app.ingest.replayQuarantine(app.workspaces.require(request.params.workspace), request.query.reason),
  );

  app.delete(
    path,
    {
      config: { access: 'admin', audit: { action: 'quarantine.purge' } },
      schema: {
        tags,
        operationId: 'purgeQuarantine',
        summary: 'Purge held rows (all, or one reason)',
        description:
          'Deletes the held rows of the workspace (all, or those of `reason=`) without ingesting them. This cannot be undone.',
        params: WorkspaceParams,
        querystring: QuarantineFilter,
        response: {
          200: answer(PurgeResult, 'How many rows were deleted.'),
          400: failure('The workspace id or `reason` is not valid (`invalid_request`).'),
          404: unknownWorkspace,
        },
      },
    },
    async (request) => ({
      purged: await app.ingest.purgeQuarantine(
        app.workspaces.require(request.params.workspace),
        request.query.reason,
      ),
    }),
  );
};
