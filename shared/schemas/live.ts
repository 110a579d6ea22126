// The websocket protocol of GET /api/v1/live: JSON messages tagged by `type`.
//
// A subscription's data is a flat record of named parts (a tile, a benchmark row, a chart point).
// A snapshot carries the whole record; a delta sets and removes parts. Applying a delta to the
// record of the previous message (snapshot or delta, seq one less) gives exactly the record a fresh
// snapshot would carry: see `applyDelta`.
import { Type, type Static, type TSchema } from 'typebox';

export const TOPICS = ['tiles', 'benchmark', 'series', 'quality', 'alerts'] as const;
export type Topic = (typeof TOPICS)[number];

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
    brand: Type.Optional(Type.String({ description: 'the own brand by default' })),
    kpis: Type.Array(Type.String(), { minItems: 1, maxItems: 32 }),
    window: LiveWindow,
  },
  { additionalProperties: false },
);
export type TilesParams = Static<typeof TilesParams>;

export const BenchmarkParams = Type.Object(
  {
    workspace: Workspace,
    kpi: Type.String(),
    window: LiveWindow,
    touchpoint: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type BenchmarkParams = Static<typeof BenchmarkParams>;

export const SeriesParams = Type.Object(
  {
    workspace: Workspace,
    kpi: Type.String(),
    brands: Type.Optional(Type.Array(Type.String(), { maxItems: 32 })),
    grain: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
    window: Type.Optional(LiveWindow),
  },
  { additionalProperties: false },
);
export type SeriesParams = Static<typeof SeriesParams>;

export const WorkspaceParams = Type.Object({ workspace: Workspace }, { additionalProperties: false });
export type WorkspaceParams = Static<typeof WorkspaceParams>;

export const ResumeFrom = Type.Object({ epoch: Type.String(), seq: Type.Integer({ minimum: 0 }) });

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

/** A subscription's data: named parts, each any JSON value. */
export type LiveData = Record<string, unknown>;

export interface Changes {
  set: LiveData;
  remove: string[];
}

export type ServerMessage =
  | { type: 'welcome'; epoch: string; heartbeatMs: number }
  | { type: 'snapshot'; id: string; seq: number; asOf: string | null; data: LiveData }
  | { type: 'delta'; id: string; seq: number; asOf: string | null; changes: Changes }
  | { type: 'error'; id?: string; code: string; message: string; hint: string }
  | { type: 'pong' }
  | { type: 'heartbeat'; at: string };

/** The record after a delta: the parts it sets replaced, the parts it removes gone. */
export function applyDelta(data: LiveData, changes: Changes): LiveData {
  const next: LiveData = { ...data, ...changes.set };
  for (const key of changes.remove) delete next[key];
  return next;
}

/** Parts of the `tiles` topic: `window`, then one `tile:<kpi>` per KPI. */
export interface Tile {
  kpi: string;
  label: { en: string; fr: string };
  unit: string;
  direction: 'higher' | 'lower';
  value: number | null;
  previous: number | null;
  delta: number | null;
  deltaPct: number | null;
  rank: number | null;
  /** Brands with a value (the rank's denominator). */
  ranked: number;
  /** The KPI per bucket over the window (hours for 1h/24h/today, days otherwise), oldest first. */
  sparkline: (number | null)[];
}

/** Parts of the `quality` topic. */
export interface QualityCounters {
  /** Rows accepted and rejected since the hub started, and in the last minute. */
  accepted: number;
  rejected: number;
  acceptedLastMinute: number;
  rejectedLastMinute: number;
  /** Rows held in quarantine, per reason. */
  quarantined: Record<string, number>;
  lastCommitAt: string | null;
}

/** Parts of the `alerts` topic: one `alert:<id>` each. */
export interface Alert {
  id: string;
  kind: 'source_silent' | 'rejected_burst';
  severity: 'warning' | 'critical';
  message: { en: string; fr: string };
  at: string;
  acknowledged: boolean;
  /** What the alert is about (a source, a reason). */
  subject: Record<string, string>;
}

/** GET/PUT /api/v1/workspaces/{workspace}/wall: which tiles and boards the live wall shows. */
export const WALL_BOARDS = ['tiles', 'share_of_voice', 'sentiment', 'dpi', 'alerts'] as const;
export const WallLayout = Type.Object(
  {
    kpis: Type.Array(Type.String(), { minItems: 1, maxItems: 12, description: 'tiles, in order' }),
    boards: Type.Array(Type.Union(WALL_BOARDS.map((b) => Type.Literal(b))), {
      minItems: 1,
      description: `boards shown (and rotated in kiosk mode), in order: ${WALL_BOARDS.join(', ')}`,
    }),
    window: Type.String({
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
