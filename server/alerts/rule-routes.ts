import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AlertRuleInput,
  AlertRuleList,
  AlertRuleParams,
  AlertRuleView,
} from '../../shared/schemas/alert-rules.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { answer, empty, failure } from '../http/openapi.js';
import type { AlertRuleService } from './alert-rules.js';

export const alertRuleRoutes: FastifyPluginAsyncTypebox<{ rules: AlertRuleService }> = async (
  app,
  { rules },
) => {
  app.get(
    '/api/v1/workspaces/:workspace/alert-rules',
    {
      schema: {
        tags: ['alerts'],
        operationId: 'listAlertRules',
        summary: 'Alert rules, with where each stands',
        description:
          'Every alert rule of the workspace, by id, with its state after the last evaluation: when it ran, whether it is firing, and for each brand the value read (and the previous period’s, and the change), whether the condition holds and since when, the open alert and the end of the cooldown. `error` says why the last evaluation failed (a KPI deleted …).',
        params: WorkspaceParams,
        response: {
          200: answer(AlertRuleList, 'The rules with their state.'),
          400: failure('The workspace id in the path is not a valid id (`invalid_request`).'),
          404: failure('The workspace does not exist (`unknown_workspace`).'),
        },
      },
    },
    async (request) => rules.list(app.workspaces.require(request.params.workspace)),
  );

  app.put(
    '/api/v1/workspaces/:workspace/alert-rules/:id',
    {
      config: { access: 'analyst', audit: { action: 'alert_rule.put' } },
      schema: {
        tags: ['alerts'],
        operationId: 'putAlertRule',
        summary: 'Create or replace an alert rule: a threshold or a change on a KPI',
        description:
          'A rule on one KPI (of the catalogue or the workspace) for the own brand, every brand of the set (each judged on its own) or listed brands, over a window (24h by default): `above`/`below` a value (a fraction for percent KPIs), or a `change` of at least `percent` vs the previous period (-20: a fall of 20 % or more). It fires once the condition has held for `pendingMinutes`, raising a `rule` alert (GET …/alerts?kind=rule, the live `alerts` topic), which resolves when the condition no longer holds; after an alert, none for the same brand for `cooldownMinutes`. Rules are evaluated every minute, and at once when stored. A changed rule starts afresh (its open alerts are resolved); the same rule sent again keeps its state.',
        params: AlertRuleParams,
        body: AlertRuleInput,
        response: {
          200: answer(AlertRuleView, 'The rule as stored, with its state after a first evaluation.'),
          400: failure(
            'The body is not valid: an unknown KPI or brand, a change of 0 %, a field out of bounds, or an id that is not valid (`invalid_request`, `malformed_body`, `invalid_query`, `unknown_kpi`).',
          ),
          404: failure('The workspace does not exist (`unknown_workspace`).'),
          413: failure('The JSON body is larger than 1 MB (`body_too_large`).'),
          415: failure('The body is not sent as application/json (`unsupported_media_type`).'),
        },
      },
    },
    async (request) =>
      rules.put(app.workspaces.require(request.params.workspace), request.params.id, request.body),
  );

  app.delete(
    '/api/v1/workspaces/:workspace/alert-rules/:id',
    {
      config: { access: 'analyst', audit: { action: 'alert_rule.delete' } },
      schema: {
        tags: ['alerts'],
        operationId: 'deleteAlertRule',
        summary: 'Delete an alert rule',
        description:
          'Removes the rule and resolves its open alerts; the alerts it raised stay listed in GET …/alerts.',
        params: AlertRuleParams,
        response: {
          204: empty('Deleted.'),
          400: failure('The rule id in the path is not a valid id (`invalid_request`).'),
          404: failure(
            'The workspace, or this rule of it, does not exist (`unknown_workspace`, `not_found`).',
          ),
        },
      },
    },
    async (request, reply) => {
      await rules.delete(app.workspaces.require(request.params.workspace), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
