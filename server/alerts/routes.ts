import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../../shared/schemas/errors.js';
import { AlertList, AlertOut } from '../../shared/schemas/live.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { errors } from '../errors.js';
import type { AlertService } from './rules.js';

export const alertRoutes: FastifyPluginAsyncTypebox<{ alerts: AlertService }> = async (app, { alerts }) => {
  app.get(
    '/api/v1/workspaces/:workspace/alerts',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Data-quality alerts, newest first',
        params: WorkspaceParams,
        response: { 200: AlertList, 404: ErrorBody },
      },
    },
    async (request) => ({ rows: alerts.list(app.workspaces.require(request.params.workspace).id) }),
  );

  app.post(
    '/api/v1/workspaces/:workspace/alerts/:alert/ack',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Acknowledge an alert',
        params: Type.Object({ workspace: Type.String(), alert: Type.String() }),
        response: { 200: AlertOut, 404: ErrorBody },
      },
    },
    async (request) => {
      const workspace = app.workspaces.require(request.params.workspace);
      const alert = alerts.acknowledge(workspace.id, request.params.alert);
      if (!alert) throw errors.notFound(`Alert "${request.params.alert}"`, 'List them with GET …/alerts.');
      // The alerts topic follows their version: its subscribers get the change on the next tick.
      return alert;
    },
  );
};
