import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../../shared/schemas/errors.js';
import {
  Objective,
  ObjectiveInput,
  ObjectiveList,
  ObjectiveListQuery,
  ObjectiveParams,
} from '../../shared/schemas/objectives.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { parseInstant } from '../http/query.js';
import type { ObjectiveService } from './service.js';

export const objectiveRoutes: FastifyPluginAsyncTypebox<{ objectives: ObjectiveService }> = async (
  app,
  { objectives },
) => {
  app.get(
    '/api/v1/workspaces/:workspace/objectives',
    {
      schema: {
        tags: ['objectives'],
        summary:
          'Objectives with their progress: current value, % of target, expected value on a linear path, status',
        params: WorkspaceParams,
        querystring: ObjectiveListQuery,
        response: { 200: ObjectiveList, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const at = request.query.at;
      return objectives.list(
        app.workspaces.require(request.params.workspace),
        at === undefined ? undefined : parseInstant(at, 'at'),
      );
    },
  );

  app.put(
    '/api/v1/workspaces/:workspace/objectives/:id',
    {
      schema: {
        tags: ['objectives'],
        summary: 'Create or replace an objective: a target for a KPI of a brand over a period',
        params: ObjectiveParams,
        body: ObjectiveInput,
        response: { 200: Objective, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) =>
      objectives.put(app.workspaces.require(request.params.workspace), request.params.id, request.body),
  );

  app.delete(
    '/api/v1/workspaces/:workspace/objectives/:id',
    {
      schema: {
        tags: ['objectives'],
        summary: 'Delete an objective',
        params: ObjectiveParams,
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await objectives.delete(app.workspaces.require(request.params.workspace), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
