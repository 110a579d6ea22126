import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../../shared/schemas/errors.js';
import {
  Workspace,
  WorkspaceInput,
  WorkspaceList,
  WorkspaceParams,
} from '../../shared/schemas/workspaces.js';

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
