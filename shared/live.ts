// The live protocol's plain types and helpers, without the schema library (the web app imports
// these; shared/schemas/live.ts holds the TypeBox schemas the server validates with).
//
// A subscription's data is a flat record of named parts (a tile, a benchmark row, a chart point).
// A snapshot carries the whole record; a delta sets and removes parts. Applying a delta to the
// record of the previous message (snapshot or delta, seq one less) gives exactly the record a fresh
// snapshot would carry: see `applyDelta`.

export const TOPICS = ['tiles', 'benchmark', 'series', 'quality', 'alerts'] as const;
export type Topic = (typeof TOPICS)[number];

/** Boards of the live wall, in their default order. */
export const WALL_BOARDS = ['tiles', 'share_of_voice', 'sentiment', 'dpi', 'alerts'] as const;
export type WallBoard = (typeof WALL_BOARDS)[number];

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
