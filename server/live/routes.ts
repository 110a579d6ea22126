import { isIPv6 } from 'node:net';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErrorBody } from '../../shared/schemas/errors.js';
import { AlertList, AlertOut, WallLayout } from '../../shared/schemas/live.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { storedOrFail } from '../db/stored.js';
import { errors } from '../errors.js';
import type { AlertService } from './alerts.js';
import type { LiveEngine } from './engine.js';
import { q } from './queries.js';
import { ClientShares, serveSocket, type SocketLimits } from './socket.js';

export interface LiveRouteOptions {
  engine: LiveEngine;
  alerts: AlertService;
  epoch: string;
  limits: SocketLimits;
}

/** An address as a client: IPv4 as is, IPv6 by its /64 (one host's privacy addresses all count as one). */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const address = ip.split('%')[0]!;
  if (!isIPv6(address)) return ip;
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  let prefix = groups(head);
  if (tail !== undefined) {
    // What `::` stands for: the zero groups (an embedded IPv4 address counts as two).
    const after = groups(tail).reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
    prefix = [...prefix, ...Array<string>(8 - prefix.length - after).fill('0'), ...groups(tail)];
  }
  return `${prefix
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Who a socket belongs to, for its share of the hub (subscriptions, sockets, first computations):
 * its remote address for now; the signed-in user or the producer key once there are accounts.
 */
export function clientKey(request: FastifyRequest): string {
  return `ip:${addressKey(request.ip)}`;
}

export const liveRoutes: FastifyPluginAsyncTypebox<LiveRouteOptions> = async (
  app,
  { engine, alerts, epoch, limits },
) => {
  const clients = new ClientShares();
  app.get(
    '/api/v1/live',
    {
      websocket: true,
      schema: {
        tags: ['live'],
        summary: 'Live websocket: subscribe to tiles, benchmark, series, quality and alerts',
        description:
          'JSON messages tagged by type (shared/schemas/live.ts). Client: subscribe {id, topic, params, resumeFrom?}, unsubscribe {id}, ping. Server: welcome {epoch}, snapshot {id, seq, asOf, data}, delta {id, seq, asOf, changes}, error, pong, heartbeat.',
      },
    },
    (socket, request) =>
      serveSocket(socket, { engine, epoch, log: app.log, limits, clients, client: clientKey(request) }),
  );

  app.get(
    '/api/v1/workspaces/:workspace/wall',
    {
      schema: {
        tags: ['live'],
        summary: 'The live wall’s layout (tiles, boards, window, kiosk rotation)',
        params: WorkspaceParams,
        response: { 200: WallLayout, 404: ErrorBody },
      },
    },
    async (request) => {
      const workspace = app.workspaces.require(request.params.workspace);
      const row = await app.db.read((sql) => sql.one<{ layout: string }>(q.wall, { ws: workspace.key }));
      if (!row)
        throw errors.notFound(
          `A wall layout for "${workspace.id}"`,
          'Save one with PUT; the wall shows its default until then.',
        );
      // The wall shows its default meanwhile, with this error.
      return storedOrFail(
        WallLayout,
        row.layout,
        { table: 'wall_layouts', what: 'wall layout', workspace: workspace.id },
        'Save the layout again (PUT, or the wall’s layout editor); the wall shows its default until then.',
      );
    },
  );

  app.put(
    '/api/v1/workspaces/:workspace/wall',
    {
      schema: {
        tags: ['live'],
        summary: 'Save the live wall’s layout',
        params: WorkspaceParams,
        body: WallLayout,
        response: { 200: WallLayout, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const workspace = app.workspaces.require(request.params.workspace);
      for (const kpi of request.body.kpis) app.kpis.definition(workspace, kpi, 400);
      await app.db.write((sql) =>
        sql.script(q.putWall, { ws: workspace.key, layout: JSON.stringify(request.body) }),
      );
      return request.body;
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/alerts',
    {
      schema: {
        tags: ['live'],
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
        tags: ['live'],
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
