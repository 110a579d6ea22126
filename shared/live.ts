// The live protocol's values that need no schema library: the topics, the wall's boards, the keys
// of a topic’s parts and the delta rule. The web app imports these as values; the other types are
// derived from the TypeBox schemas of ./schemas/live.ts (and re-exported here as types only).
//
// A subscription's data is a flat record of named parts (a tile, a benchmark row, a chart point).
// A snapshot carries the whole record; a delta sets and removes parts. Applying a delta to the
// record of the previous message (snapshot or delta, seq one less) gives exactly the record a fresh
// snapshot would carry: see `applyDelta`.
import type { Changes, LiveData } from './schemas/live.js';

export type {
  Alert,
  BenchmarkSet,
  QualityCounters,
  SeriesPoint,
  Tile,
  TilesWindow,
  TopicData,
} from './schemas/live-data.js';
export type { Changes, LiveData, ServerMessage, Snapshot, Delta } from './schemas/live.js';

export { TOPICS, type Topic, WALL_BOARDS, WALL_TILE_KPIS, type WallBoard } from './live-names.js';

/** The key prefix of each kind of entry (the schemas of ./schemas/live-data.ts spell the same). */
export const PREFIX = { tile: 'tile:', row: 'row:', point: 'p:', alert: 'alert:' } as const;
export type Prefix = (typeof PREFIX)[keyof typeof PREFIX];

/** `tile:<kpi>`: a KPI's tile in the `tiles` topic. */
export const tileKey = (kpi: string) => `${PREFIX.tile}${kpi}` as const;
/** `row:<brand>`: a brand's row in the `benchmark` topic. */
export const rowKey = (brand: string) => `${PREFIX.row}${brand}` as const;
/** `p:<bucket>`: a bucket's point in the `series` topic. */
export const pointKey = (bucket: string) => `${PREFIX.point}${bucket}` as const;
/** `alert:<id>`: an alert in the `alerts` topic. */
export const alertKey = (id: string) => `${PREFIX.alert}${id}` as const;

type EntryKey<D, P extends Prefix> = Extract<keyof D, `${P}${string}`>;
/** The prefixes under which a record of type D has entries (a wrong one does not compile). */
type PrefixOf<D> = { [P in Prefix]: [EntryKey<D, P>] extends [never] ? never : P }[Prefix];

/** The entries of one kind (those whose key starts with `prefix`) of a record, in key order. */
export function entriesOf<D extends object, P extends Prefix & PrefixOf<D>>(
  data: D | null,
  prefix: P,
): D[EntryKey<D, P>][] {
  if (!data) return [];
  const out: D[EntryKey<D, P>][] = [];
  for (const [key, value] of Object.entries(data)) {
    // The key matched the record's entry pattern, so the value is one of its entries.
    if (key.startsWith(prefix)) out.push(value as D[EntryKey<D, P>]);
  }
  return out;
}

/** The record after a delta: the parts it sets replaced, the parts it removes gone. */
export function applyDelta<D extends LiveData>(data: D, changes: Changes<D>): D {
  const next: LiveData = { ...data, ...changes.set };
  for (const key of changes.remove) delete next[key];
  // Still a record of D's topic: the server's deltas remove entries, never a fixed part.
  return next as D;
}
