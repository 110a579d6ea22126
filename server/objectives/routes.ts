import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  Objective,
  ObjectiveInput,
  ObjectiveList,
  ObjectiveListQuery,
  ObjectiveParams,
} from '../../shared/schemas/objectives.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { answer, empty, failure } from '../http/openapi.js';
import { parseInstant } from '../http/query.js';
import type { ObjectiveService } from './service.js';

export const objectiveRoutes: FastifyPluginAsyncTypebox<{ objectives: ObjectiveService }> = async (
  app,
  { objectives },
) => {
  const unknownWorkspace = failure('The workspace does not exist (`unknown_workspace`).');
  app.get(
    '/api/v1/workspaces/:workspace/objectives',
    {
      schema: {
        tags: ['objectives'],
        operationId: 'listObjectives',
        summary:
          'Objectives with their progress: current value, % of target, expected value on a linear path, status',
        description:
          'Every objective of the workspace with where it stands now (or at `at=`): the KPI from the period start, its share of the target, where a linear path to the target would be, the share of the period gone and the time left, and a status (on_track, at_risk, off_track, no_data).',
        params: WorkspaceParams,
        querystring: ObjectiveListQuery,
        response: {
          200: answer(ObjectiveList, 'The objectives with their progress.'),
          400: failure(
            '`at` is not an ISO 8601 instant, or the workspace id is not valid (`invalid_query`).',
          ),
          404: unknownWorkspace,
        },
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
      config: { access: 'analyst', audit: { action: 'objective.put' } },
      schema: {
        tags: ['objectives'],
        operationId: 'putObjective',
        summary: 'Create or replace an objective: a target for a KPI of a brand over a period',
        description:
          'Sets a target for one KPI of one brand (the own brand by default) over a period: explicit `from`/`to`, or the current calendar month, quarter or year of the workspace. `direction` says whether the KPI must end at least or at most at the target.',
        params: ObjectiveParams,
        body: ObjectiveInput,
        response: {
          200: answer(Objective, 'The objective as stored.'),
          400: failure(
            'The body is not valid: an unknown KPI or brand, a period whose end is not after its start, a field out of bounds (`invalid_request`, `malformed_body`, `invalid_query`, `unknown_kpi`).',
          ),
          404: unknownWorkspace,
          413: failure('The JSON body is larger than 1 MB (`body_too_large`).'),
          415: failure('The body is not sent as application/json (`unsupported_media_type`).'),
        },
      },
    },
    async (request) =>
      objectives.put(app.workspaces.require(request.params.workspace), request.params.id, request.body),
  );

  app.delete(
    '/api/v1/workspaces/:workspace/objectives/:id',
    {
      config: { access: 'analyst', audit: { action: 'objective.delete' } },
      schema: {
        tags: ['objectives'],
        operationId: 'deleteObjective',
        summary: 'Delete an objective',
        description: 'Removes the objective; the KPI and its data are untouched.',
        params: ObjectiveParams,
        response: {
          204: empty('Deleted.'),
          400: failure('The objective id in the path is not a valid id (`invalid_request`).'),
          404: failure(
            'The workspace, or this objective of it, does not exist (`unknown_workspace`, `not_found`).',
          ),
        },
      },
    },
    async (request, reply) => {
      await objectives.delete(app.workspaces.require(request.params.workspace), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
