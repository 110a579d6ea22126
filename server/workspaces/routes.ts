import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { MetricInput, MetricParams } from '../../shared/schemas/metrics.js';
import { MetricInfo } from '../../shared/schemas/vocabulary.js';
import {
  Workspace,
  WorkspaceInput,
  WorkspaceList,
  WorkspaceParams,
} from '../../shared/schemas/workspaces.js';
import { METRICS } from '../../shared/vocabulary.js';
import { answer, empty, failure } from '../http/openapi.js';

const WorkspaceMetric = Type.Object({
  ...MetricInfo.properties,
  own: Type.Boolean({ description: 'declared by this workspace (false: of the shared vocabulary)' }),
});

const unknownWorkspace = failure('The workspace does not exist (`unknown_workspace`).');
const invalidId = failure('The workspace id in the path is not a valid id (`invalid_request`).');
const tooLarge = failure('The JSON body is larger than 1 MB (`body_too_large`).');
const notJson = failure('The body is not sent as application/json (`unsupported_media_type`).');

export const workspaceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['workspaces'];

  app.get(
    '/api/v1/workspaces',
    {
      schema: {
        tags,
        operationId: 'listWorkspaces',
        summary: 'List workspaces',
        description:
          'The workspaces the caller sees (all for the owner), with their time zone and competitive set (the own brand and its competitors).',
        response: { 200: answer(WorkspaceList, 'The workspaces, by id.') },
      },
    },
    async (request) => ({
      rows: app.workspaces.list().filter((w) => app.auth.sees(request.principal!, w.id)),
    }),
  );

  app.get(
    '/api/v1/workspaces/:workspace',
    {
      schema: {
        tags,
        operationId: 'getWorkspace',
        summary: 'Read a workspace and its competitive set',
        description:
          'A workspace: its name, time zone (day buckets and calendar windows follow it) and brands, exactly one of them the own brand.',
        params: WorkspaceParams,
        response: { 200: answer(Workspace, 'The workspace.'), 400: invalidId, 404: unknownWorkspace },
      },
    },
    async (request) => {
      const { workspace } = request.params;
      app.workspaces.require(workspace);
      return app.workspaces.list().find((w) => w.id === workspace)!;
    },
  );

  app.put(
    '/api/v1/workspaces/:workspace',
    {
      config: { access: 'admin', audit: { action: 'workspace.put' } },
      schema: {
        tags,
        operationId: 'putWorkspace',
        summary: 'Create or update a workspace',
        description:
          'Creates the workspace with this id, or replaces its name, time zone and competitive set. Exactly one brand is own; the others are its competitors. A brand left out keeps its history but leaves benchmarks. Changing the time zone rebuilds the day rollups. Ingest accepts events of the listed brands only.',
        params: WorkspaceParams,
        body: WorkspaceInput,
        response: {
          200: answer(Workspace, 'Updated: the workspace as it is now.'),
          201: answer(Workspace, 'Created: the new workspace.'),
          400: failure(
            'The id, the body or the set is not valid: not JSON, a field out of bounds, not exactly one own brand, a brand twice, an unknown time zone (`invalid_request`, `malformed_body`, `invalid_workspace`).',
          ),
          413: tooLarge,
          415: notJson,
        },
      },
    },
    async (request, reply) => {
      const { workspace, created } = await app.workspaces.put(request.params.workspace, request.body);
      return reply.code(created ? 201 : 200).send(workspace);
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/metrics',
    {
      schema: {
        tags: ['vocabulary'],
        operationId: 'listWorkspaceMetrics',
        summary: 'The metrics this workspace accepts: the shared vocabulary and its own',
        description:
          'Every metric ingest accepts for this workspace: those of the shared vocabulary (`own: false`) and those it declared (`own: true`), each with its kind, unit, touchpoints and labels.',
        params: WorkspaceParams,
        response: {
          200: answer(Type.Object({ rows: Type.Array(WorkspaceMetric) }), 'The metrics, shared ones first.'),
          400: invalidId,
          404: unknownWorkspace,
        },
      },
    },
    async (request) => {
      const workspace = app.workspaces.require(request.params.workspace);
      return {
        rows: [
          ...METRICS.map((m) => ({ ...m, touchpoints: [...m.touchpoints], own: false })),
          ...[...workspace.metrics.values()].map((m) => ({
            ...m,
            touchpoints: [...m.touchpoints],
            own: true,
          })),
        ],
      };
    },
  );

  app.put(
    '/api/v1/workspaces/:workspace/metrics/:id',
    {
      config: { access: 'admin', audit: { action: 'metric.put' } },
      schema: {
        tags: ['vocabulary'],
        operationId: 'putWorkspaceMetric',
        summary: 'Declare a workspace metric; ingest accepts it from then on',
        description:
          'Declares (or redefines) a metric of this workspace: counter or gauge, its unit, the touchpoints it belongs to and, for gauges, how sources combine (sum or mean). Events of it are accepted from then on, and custom KPI formulas can read it.',
        params: MetricParams,
        body: MetricInput,
        response: {
          200: answer(WorkspaceMetric, 'The metric as declared.'),
          400: failure(
            'The metric id or the body is not valid, the id is one of the shared vocabulary, or `combine` is given for a counter (`invalid_request`, `malformed_body`, `invalid_workspace`).',
          ),
          404: unknownWorkspace,
          413: tooLarge,
          415: notJson,
        },
      },
    },
    async (request) => {
      const metric = await app.workspaces.putMetric(
        request.params.workspace,
        request.params.id,
        request.body,
      );
      return { ...metric, touchpoints: [...metric.touchpoints], own: true };
    },
  );

  app.delete(
    '/api/v1/workspaces/:workspace/metrics/:id',
    {
      config: { access: 'admin', audit: { action: 'metric.delete' } },
      schema: {
        tags: ['vocabulary'],
        operationId: 'deleteWorkspaceMetric',
        summary: 'Forget a workspace metric (its history stays; new rows of it are rejected)',
        description:
          'Removes a metric this workspace declared. What was ingested of it stays in the rollups; new events of it are rejected (`unknown_metric`) and quarantined.',
        params: MetricParams,
        response: {
          204: empty('Forgotten.'),
          400: failure('The metric id in the path is not a valid id (`invalid_request`).'),
          404: failure(
            'The workspace, or this metric of it, does not exist (`unknown_workspace`, `not_found`).',
          ),
        },
      },
    },
    async (request, reply) => {
      await app.workspaces.deleteMetric(request.params.workspace, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/api/v1/workspaces/:workspace',
    {
      config: { access: 'admin', audit: { action: 'workspace.delete', hub: true } },
      schema: {
        tags,
        operationId: 'deleteWorkspace',
        summary: 'Delete a workspace and all its data',
        description:
          'Deletes the workspace with everything it holds: events, rollups, quarantine, KPIs, objectives, wall and alerts. This cannot be undone.',
        params: WorkspaceParams,
        response: { 204: empty('Deleted.'), 400: invalidId, 404: unknownWorkspace },
      },
    },
    async (request, reply) => {
      await app.workspaces.delete(request.params.workspace);
      return reply.code(204).send(null);
    },
  );
};
