// The websocket protocol of GET /api/v1/live: JSON messages tagged by `type`, validated by the server
// with these schemas. The data model (parts, deltas) is described in ../live.ts.
import { Type, type Static, type TSchema } from 'typebox';
import { IdText } from './text.js';
import { type Topic, WALL_BOARDS } from '../live.js';

// The plain types and helpers (no schema library): what the web app imports.
export * from '../live.js';

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

/** GET/PUT /api/v1/workspaces/{workspace}/wall: which tiles and boards the live wall shows. */
export const WallLayout = Type.Object(
  {
    kpis: Type.Array(IdText(), { minItems: 1, maxItems: 12, description: 'tiles, in order' }),
    boards: Type.Array(
      Type.Union([
        Type.Literal('tiles'),
        Type.Literal('share_of_voice'),
        Type.Literal('sentiment'),
        Type.Literal('dpi'),
        Type.Literal('alerts'),
      ]),
      {
        minItems: 1,
        description: `boards shown (and rotated in kiosk mode), in order: ${WALL_BOARDS.join(', ')}`,
      },
    ),
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
export const AlertOut = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('source_silent'), Type.Literal('rejected_burst')]),
  severity: Type.Union([Type.Literal('warning'), Type.Literal('critical')]),
  message: Type.Object({ en: Type.String(), fr: Type.String() }),
  at: Type.String({ format: 'date-time' }),
  acknowledged: Type.Boolean(),
  subject: Type.Record(Type.String(), Type.String()),
});
export const AlertList = Type.Object({ rows: Type.Array(AlertOut) });
