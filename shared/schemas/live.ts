// The websocket protocol of GET /api/v1/live, both ways: JSON messages tagged by `type`. The server
// validates what clients send with ClientMessage; ServerMessage and each topic's data (TopicData in
// ./live-data.ts) describe what it sends, and test/integration/live-wire.test.ts holds a real hub to
// them. The data model (parts, deltas) and the key helpers are in ../live.ts.
import { Type, type Static, type TSchema, type TUnsafe } from 'typebox';
import { literals } from './literals.js';
import { IdText } from './text.js';
import { Nullable } from './nullable.js';
import { type Topic, WALL_BOARDS } from '../live-names.js';
import { Alert } from './live-data.js';

// The names both sides share, and the topics' data (the key helpers and the delta rule are in
// ../live.ts, which imports these types: importing it back would make a cycle).
export { TOPICS, type Topic, WALL_BOARDS, type WallBoard } from '../live-names.js';
export * from './live-data.js';

const Id = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'chosen by the client, unique per socket',
});
const Workspace = Type.String({ minLength: 1, maxLength: 64 });
const LiveWindow = Type.String({
  minLength: 1,
  maxLength: 8,
  description: '1h, 24h, 7d, 28d, 30d, 90d, today, wtd, mtd, qtd, ytd',
});

export const TilesParams = Type.Object(
  {
    workspace: Workspace,
    brand: Type.Optional(IdText({ description: 'the own brand by default' })),
    kpis: Type.Array(IdText(), { minItems: 1, maxItems: 32 }),
    window: LiveWindow,
  },
  { additionalProperties: false },
);
export type TilesParams = Static<typeof TilesParams>;

export const BenchmarkParams = Type.Object(
  {
    workspace: Workspace,
    kpi: IdText(),
    window: LiveWindow,
    touchpoint: Type.Optional(IdText()),
  },
  { additionalProperties: false },
);
export type BenchmarkParams = Static<typeof BenchmarkParams>;

export const SeriesParams = Type.Object(
  {
    workspace: Workspace,
    kpi: IdText(),
    brands: Type.Optional(Type.Array(IdText(), { maxItems: 32 })),
    grain: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
    window: Type.Optional(LiveWindow),
  },
  { additionalProperties: false },
);
export type SeriesParams = Static<typeof SeriesParams>;

export const WorkspaceParams = Type.Object({ workspace: Workspace }, { additionalProperties: false });
export type WorkspaceParams = Static<typeof WorkspaceParams>;

export const ResumeFrom = Type.Object({ epoch: IdText(), seq: Type.Integer({ minimum: 0 }) });

const subscribe = <T extends Topic, P extends TSchema>(topic: T, params: P) =>
  Type.Object(
    {
      type: Type.Literal('subscribe'),
      id: Id,
      topic: Type.Literal(topic),
      params,
      resumeFrom: Type.Optional(ResumeFrom),
    },
    { additionalProperties: false },
  );

export const Subscribe = Type.Union([
  subscribe('tiles', TilesParams),
  subscribe('benchmark', BenchmarkParams),
  subscribe('series', SeriesParams),
  subscribe('quality', WorkspaceParams),
  subscribe('alerts', WorkspaceParams),
]);
export type Subscribe = Static<typeof Subscribe>;

export const ClientMessage = Type.Union([
  Subscribe,
  Type.Object({ type: Type.Literal('unsubscribe'), id: Id }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('ping') }, { additionalProperties: false }),
]);
export type ClientMessage = Static<typeof ClientMessage>;

// Server → client. Snapshots and deltas are generic over the data they carry: the socket sees any
// record (LiveData), a subscription of topic T gets TopicData<T> (`Snapshot<TopicData<'tiles'>>`).
// Their types pass the data type D in as TUnsafe<D>, whose Static is D itself.

const strict = { additionalProperties: false } as const;
const Instant = Type.String({ format: 'date-time' });
const Seq = Type.Integer({
  minimum: 0,
  description: 'per subscription; a delta follows the message of seq one less, or is not applied',
});
const AsOf = Nullable(Type.String({ format: 'date-time', description: 'the last commit it reflects' }));

/** Any topic's data, as the socket sees it: a flat record of named parts. */
export const LiveData = Type.Record(Type.String(), Type.Unknown());
export type LiveData = Static<typeof LiveData>;

const changesOf = <S extends TSchema>(set: S) =>
  Type.Object({ set, remove: Type.Array(Type.String(), { description: 'keys of removed parts' }) }, strict);
export const Changes = changesOf(LiveData);
/** What a delta sets (some parts of D) and removes. */
export type Changes<D extends LiveData = LiveData> = Static<
  ReturnType<typeof changesOf<TUnsafe<Partial<D>>>>
>;

export const Welcome = Type.Object(
  { type: Type.Literal('welcome'), epoch: Type.String(), heartbeatMs: Type.Integer() },
  strict,
);
const snapshotOf = <S extends TSchema>(data: S) =>
  Type.Object({ type: Type.Literal('snapshot'), id: Type.String(), seq: Seq, asOf: AsOf, data }, strict);
export const Snapshot = snapshotOf(LiveData);
export type Snapshot<D extends LiveData = LiveData> = Static<ReturnType<typeof snapshotOf<TUnsafe<D>>>>;

const deltaOf = <S extends TSchema>(set: S) =>
  Type.Object(
    { type: Type.Literal('delta'), id: Type.String(), seq: Seq, asOf: AsOf, changes: changesOf(set) },
    strict,
  );
export const Delta = deltaOf(LiveData);
export type Delta<D extends LiveData = LiveData> = Static<ReturnType<typeof deltaOf<TUnsafe<Partial<D>>>>>;

export const ErrorMessage = Type.Object(
  {
    type: Type.Literal('error'),
    id: Type.Optional(Type.String({ description: 'the subscription it concerns, if any' })),
    code: Type.String(),
    message: Type.String(),
    hint: Type.String(),
  },
  strict,
);
export type ErrorMessage = Static<typeof ErrorMessage>;
export const Pong = Type.Object({ type: Type.Literal('pong') }, strict);
export const Heartbeat = Type.Object({ type: Type.Literal('heartbeat'), at: Instant }, strict);

export const ServerMessage = Type.Union([Welcome, Snapshot, Delta, ErrorMessage, Pong, Heartbeat]);
export type ServerMessage<D extends LiveData = LiveData> =
  | Static<typeof Welcome>
  | Snapshot<D>
  | Delta<D>
  | ErrorMessage
  | Static<typeof Pong>
  | Static<typeof Heartbeat>;

/** GET/PUT /api/v1/workspaces/{workspace}/wall: which tiles and boards the live wall shows. */
export const WallLayout = Type.Object(
  {
    kpis: Type.Array(IdText(), { minItems: 1, maxItems: 12, description: 'tiles, in order' }),
    boards: Type.Array(literals(WALL_BOARDS), {
      minItems: 1,
      description: `boards shown (and rotated in kiosk mode), in order: ${WALL_BOARDS.join(', ')}`,
    }),
    window: Type.String({
      maxLength: 8,
      description: 'the tiles’ window: 1h, 24h, 7d, 28d, 30d, 90d, today, wtd, mtd, qtd, ytd',
    }),
    rotateSeconds: Type.Integer({ minimum: 5, maximum: 600, description: 'kiosk rotation between boards' }),
  },
  { additionalProperties: false },
);
export type WallLayout = Static<typeof WallLayout>;

/** GET /api/v1/workspaces/{workspace}/alerts answers `{ rows: Alert[] }`, newest first;
 * POST /api/v1/workspaces/{workspace}/alerts/{id}/ack acknowledges one (answers the alert). */
export const AlertOut = Alert;
export const AlertList = Type.Object({ rows: Type.Array(Alert) });
export const AlertListQuery = Type.Object({
  status: Type.Optional(
    Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')], {
      description: 'open: neither acknowledged nor resolved',
    }),
  ),
  kind: Type.Optional(
    Type.String({ description: 'comma-separated kinds, e.g. anomaly,rule', maxLength: 200 }),
  ),
});
