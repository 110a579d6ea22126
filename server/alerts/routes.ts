import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AlertKind } from '../../shared/schemas/live-data.js';
import { AlertList, AlertListQuery, AlertOut } from '../../shared/schemas/live.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { errors } from '../errors.js';
import { answer, failure } from '../http/openapi.js';
import type { AlertService } from './rules.js';

export const alertRoutes: FastifyPluginAsyncTypebox<{ alerts: AlertService }> = async (app, { alerts }) => {
  app.get(
    '/api/v1/workspaces/:workspace/alerts',
    {
      schema: {
        tags: ['alerts'],
        operationId: 'listAlerts',
        summary: 'Alerts, newest first',
        description:
          'The workspace’s alerts: a KPI outside its forecast band (`anomaly`, with the brand, KPI, bucket, value, expected value, band and the sources behind it), an alert rule that fired (`rule`), an objective whose chance fell (`objective_at_risk`), a source silent for much longer than its usual gap between commits (`source_silent`), a burst of rejected rows (`rejected_burst`); each with its severity, an English and French message, what it is about, whether it was acknowledged and when it resolved. The live `alerts` topic pushes the same list as it changes.',
        params: WorkspaceParams,
        querystring: AlertListQuery,
        response: {
          200: answer(AlertList, 'The alerts, newest first.'),
          400: failure('The workspace id in the path is not a valid id (`invalid_request`).'),
          404: failure('The workspace does not exist (`unknown_workspace`).'),
        },
      },
    },
    async (request) => {
      const workspace = app.workspaces.require(request.params.workspace);
      const { status, kind } = request.query;
      const kinds = kind?.split(',').filter(Boolean);
      const known = AlertKind.anyOf.map((k) => k.const as string);
      const wrong = kinds?.filter((k) => !known.includes(k)) ?? [];
      if (wrong.length) {
        throw errors.invalidQuery(
          `Unknown alert kind ${wrong.map((k) => `"${k}"`).join(', ')}.`,
          `Kinds: ${known.join(', ')} (comma-separated).`,
        );
      }
      return { rows: alerts.filter(workspace.id, { status, kinds }) };
    },
  );

  app.post(
    '/api/v1/workspaces/:workspace/alerts/:alert/ack',
    {
      config: { access: 'analyst', audit: { action: 'alert.ack' } },
      schema: {
        tags: ['alerts'],
        operationId: 'acknowledgeAlert',
        summary: 'Acknowledge an alert',
        description:
          'Marks the alert as acknowledged (stored: a restart keeps it). Subscribers of the live `alerts` topic get the change on the next tick.',
        params: Type.Object({ workspace: Type.String(), alert: Type.String() }),
        response: {
          200: answer(AlertOut, 'The alert, acknowledged.'),
          404: failure(
            'The workspace, or this alert of it, does not exist (`unknown_workspace`, `not_found`).',
          ),
        },
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
