import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody } from '../../shared/schemas/errors.js';
import {
  PurgeResult,
  QuarantineFilter,
  QuarantinePage,
  QuarantineQuery,
  ReplayResult,
} from '../../shared/schemas/quarantine.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';

export const quarantineRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['quarantine'];
  const path = '/api/v1/workspaces/:workspace/quarantine';

  app.get(
    path,
    {
      schema: {
        tags,
        summary: 'Rejected rows, as sent, with the reason',
        params: WorkspaceParams,
        querystring: QuarantineQuery,
        response: { 200: QuarantinePage, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) =>
      app.ingest.quarantinePage(app.workspaces.require(request.params.workspace), request.query),
  );

  app.post(
    `${path}/replay`,
    {
      schema: {
        tags,
        summary: 'Re-validate held rows against today’s configuration and ingest those that pass',
        params: WorkspaceParams,
        querystring: QuarantineFilter,
        response: { 200: ReplayResult, 404: ErrorBody, 429: ErrorBody },
      },
    },
    async (request) =>
      app.ingest.replayQuarantine(app.workspaces.require(request.params.workspace), request.query.reason),
  );

  app.delete(
    path,
    {
      schema: {
        tags,
        summary: 'Purge held rows (all, or one reason)',
        params: WorkspaceParams,
        querystring: QuarantineFilter,
        response: { 200: PurgeResult, 404: ErrorBody },
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
