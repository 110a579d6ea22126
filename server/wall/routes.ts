import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WallLayout } from '../../shared/schemas/live.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { errors } from '../errors.js';
import { answer, failure } from '../http/openapi.js';
import type { WallService } from './service.js';

export const wallRoutes: FastifyPluginAsyncTypebox<{ walls: WallService }> = async (app, { walls }) => {
  app.get(
    '/api/v1/workspaces/:workspace/wall',
    {
      schema: {
        tags: ['wall'],
        operationId: 'getWall',
        summary: 'The live wall’s layout (tiles, boards, window, kiosk rotation)',
        description:
          'The saved layout of the workspace’s live wall: the KPI tiles in order, the boards shown (and rotated in kiosk mode), the tiles’ window and the seconds between boards. A workspace that never saved one answers 404, and the wall shows its default.',
        params: WorkspaceParams,
        response: {
          200: answer(WallLayout, 'The saved layout.'),
          400: failure('The workspace id in the path is not a valid id (`invalid_request`).'),
          404: failure(
            'The workspace does not exist, or has no saved layout yet (`unknown_workspace`, `not_found`).',
          ),
        },
      },
    },
    async (request) => {
      const workspace = app.workspaces.require(request.params.workspace);
      const layout = await walls.get(workspace);
      if (!layout)
        throw errors.notFound(
          `A wall layout for "${workspace.id}"`,
          'Save one with PUT; the wall shows its default until then.',
        );
      return layout;
    },
  );

  app.put(
    '/api/v1/workspaces/:workspace/wall',
    {
      config: { access: 'analyst', audit: { action: 'wall.put' } },
      schema: {
        tags: ['wall'],
        operationId: 'putWall',
        summary: 'Save the live wall’s layout',
        description:
          'Replaces the layout of the workspace’s live wall: 1 to 12 KPI tiles, the boards in order, the tiles’ window and the kiosk rotation (5 to 600 s).',
        params: WorkspaceParams,
        body: WallLayout,
        response: {
          200: answer(WallLayout, 'The layout as saved.'),
          400: failure(
            'The layout is not valid: a KPI the workspace does not have, an unknown board, a field out of bounds, a body that is not JSON (`unknown_kpi`, `invalid_request`, `malformed_body`).',
          ),
          404: failure('The workspace does not exist (`unknown_workspace`).'),
          413: failure('The JSON body is larger than 1 MB (`body_too_large`).'),
          415: failure('The body is not sent as application/json (`unsupported_media_type`).'),
        },
      },
    },
    async (request) => {
      const workspace = app.workspaces.require(request.params.workspace);
      return walls.put(workspace, request.body);
    },
  );
};
