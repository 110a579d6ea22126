import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../../shared/schemas/errors.js';
import { MetricInput, MetricParams } from '../../shared/schemas/metrics.js';
import { MetricInfo } from '../../shared/schemas/vocabulary.js';
import {
  Workspace,
  WorkspaceInput,
  WorkspaceList,
  WorkspaceParams,
} from '../../shared/schemas/workspaces.js';
import { METRICS } from '../../shared/vocabulary.js';

const WorkspaceMetric = Type.Object({ ...MetricInfo.properties, own: Type.Boolean() });

export const workspaceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['workspaces'];

  app.get(
    '/api/v1/workspaces',
    { schema: { tags, summary: 'List workspaces', response: { 200: WorkspaceList } } },
    async () => ({ rows: app.workspaces.list() }),
  );

  app.get(
    '/api/v1/workspaces/:workspace',
    {
      schema: {
        tags,
        summary: 'Read a workspace and its competitive set',
        params: WorkspaceParams,
        response: { 200: Workspace, 404: ErrorBody },
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
      schema: {
        tags,
        summary: 'Create or update a workspace',
        description:
          'Exactly one brand is own; the others are its competitors. A brand left out keeps its history but leaves benchmarks. Changing the time zone rebuilds the day rollups.',
        params: WorkspaceParams,
        body: WorkspaceInput,
        response: { 200: Workspace, 201: Workspace, 400: ErrorBody },
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
        summary: 'The metrics this workspace accepts: the shared vocabulary and its own',
        params: WorkspaceParams,
        response: { 200: Type.Object({ rows: Type.Array(WorkspaceMetric) }), 404: ErrorBody },
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
      schema: {
        tags: ['vocabulary'],
        summary: 'Declare a workspace metric; ingest accepts it from then on',
        params: MetricParams,
        body: MetricInput,
        response: { 200: WorkspaceMetric, 400: ErrorBody, 404: ErrorBody },
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
      schema: {
        tags: ['vocabulary'],
        summary: 'Forget a workspace metric (its history stays; new rows of it are rejected)',
        params: MetricParams,
        response: { 204: Type.Null(), 404: ErrorBody },
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
      schema: {
        tags,
        summary: 'Delete a workspace and all its data',
        params: WorkspaceParams,
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await app.workspaces.delete(request.params.workspace);
      return reply.code(204).send(null);
    },
  );
};
