import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody } from '../../shared/schemas/errors.js';
import { WallLayout } from '../../shared/schemas/live.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { errors } from '../errors.js';
import type { WallService } from './service.js';

export const wallRoutes: FastifyPluginAsyncTypebox<{ walls: WallService }> = async (app, { walls }) => {
  app.get(
    '/api/v1/workspaces/:workspace/wall',
    {
      schema: {
        tags: ['wall'],
        summary: 'The live wall’s layout (tiles, boards, window, kiosk rotation)',
        params: WorkspaceParams,
        response: { 200: WallLayout, 404: ErrorBody },
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
      schema: {
        tags: ['wall'],
        summary: 'Save the live wall’s layout',
        params: WorkspaceParams,
        body: WallLayout,
        response: { 200: WallLayout, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const workspace = app.workspaces.require(request.params.workspace);
      return walls.put(workspace, request.body);
    },
  );
};
