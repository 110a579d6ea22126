import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { LiveEngine } from '../engine/engine.js';
import { empty, failure } from '../http/openapi.js';
import { clientKey } from './client-key.js';
import { ClientShares, serveSocket, type SocketLimits } from './socket.js';

export interface LiveRouteOptions {
  engine: LiveEngine;
  epoch: string;
  limits: SocketLimits;
}

export const liveRoutes: FastifyPluginAsyncTypebox<LiveRouteOptions> = async (
  app,
  { engine, epoch, limits },
) => {
  const clients = new ClientShares();
  app.get(
    '/api/v1/live',
    {
      websocket: true,
      schema: {
        tags: ['live'],
        operationId: 'openLive',
        summary: 'Live websocket: subscribe to tiles, benchmark, series, quality and alerts',
        description: [
          'A websocket (ws://…/api/v1/live, wss:// behind TLS) of JSON text messages tagged by `type`. After each commit the hub recomputes what is subscribed and pushes only what changed.',
          '',
          'Client → server (schema: `LiveClientMessage` in the components): `subscribe { id, topic, params, resumeFrom? }`, `unsubscribe { id }`, `ping`. Topics and their params: `tiles { workspace, brand?, kpis, window }`, `benchmark { workspace, kpi, window, touchpoint? }`, `series { workspace, kpi, brands?, grain, window? }`, `quality { workspace }`, `alerts { workspace }`.',
          '',
          'Server → client (schema: `LiveServerMessage`; each topic’s `data`: `LiveTopicData_<topic>`): `welcome { epoch, heartbeatMs }` first (a new epoch at every start of the hub); `snapshot { id, seq, asOf, data }`, the whole record of named parts of a subscription; `delta { id, seq, asOf, changes: { set, remove } }`, whose seq is the previous message’s + 1 and which, applied to the previous record, gives the next; `error { id?, code, message, hint }` for a bad message or subscription (the socket stays open); `pong`; `heartbeat { at }` every heartbeatMs.',
          '',
          'Resume: reconnect and subscribe with `resumeFrom { epoch, seq }` of the last message received to get the deltas missed within the same epoch, a snapshot otherwise.',
          '',
          'Limits: frames up to 16 kB, 64 subscriptions a socket, 16 sockets and 256 subscriptions a client (`error` `too_many_subscriptions`, `too_many_sockets`). A frame too large, or more than 20 invalid messages in a minute, closes the socket with 1008; a restart closes it with 1001. A client more than 256 kB behind gets no deltas until it drains, then a fresh snapshot; one stuck for two minutes is disconnected.',
          '',
          'Credentials: the session cookie, or `Authorization: Bearer <token or read key>`, on the upgrade; each subscription needs the viewer role (or a read key) in its workspace, else an `error` (`unknown_workspace`) and no data. When the session or key ends (sign-out, password change, member removed, key revoked) the socket is closed with 4401; an open socket keeps its session in use.',
          '',
          'A GET without `Upgrade: websocket` answers 404 with an empty body (401 without credentials).',
        ].join('\n'),
        response: {
          101: empty(
            'Switching Protocols: the connection is a websocket from then on (messages described above).',
          ),
          401: failure(
            'No valid session cookie or bearer (`unauthenticated`); a socket open when its session or key ends is closed with 4401.',
          ),
          403: failure(
            'A browser page of another origin asked for the upgrade (`origin_not_allowed`): the Origin header names a host the hub does not answer to.',
          ),
        },
      },
    },
    (socket, request) => {
      const principal = request.principal!;
      serveSocket(socket, {
        engine,
        epoch,
        log: app.log,
        limits,
        clients,
        client: clientKey(request),
        access: {
          check: (workspace) => app.auth.require(principal, workspace, 'viewer'),
          valid: () => app.auth.stillValid(principal),
          watch: (end) => app.auth.watch(principal, end),
        },
      });
    },
  );
};
