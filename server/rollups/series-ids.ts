import type { Sql } from '../db/database.js';
import { q } from './queries.js';

/** The identity of one stream of values: a brand's metric on one source of one touchpoint. */
export interface SeriesKey {
  brand: string;
  touchpoint: string;
  source: string;
  metric: string;
}

/** Series whose fields are among the listed values (a field left out matches everything). */
export type SeriesMatch = Partial<Record<keyof SeriesKey, readonly string[]>>;

const keyOf = (k: SeriesKey) => `${k.brand}\u0000${k.touchpoint}\u0000${k.source}\u0000${k.metric}`;

/**
 * Series ids per workspace, held in memory: events and rollups store a small integer per row
 * instead of four strings, and every query maps its filter to ids without a join.
 */
export class SeriesDictionary {
  /** Per workspace: id by key (ingest's look-up) and key by id (queries'). */
  private readonly ids = new Map<number, Map<string, number>>();
  private readonly byId = new Map<number, Map<number, SeriesKey>>();
  private nextId = 1;

  async load(sql: Sql): Promise<void> {
    for (const row of await sql.rows<SeriesKey & { ws: number; id: number }>(q.allSeries)) {
      const { ws, id, brand, touchpoint, source, metric } = row;
      this.idsOf(ws).set(keyOf(row), id);
      this.keys(ws).set(id, { brand, touchpoint, source, metric });
    }
    this.nextId = Number((await sql.one<{ id: number }>(q.maxSeriesId))!.id) + 1;
  }

  private idsOf(ws: number): Map<string, number> {
    let map = this.ids.get(ws);
    if (!map) this.ids.set(ws, (map = new Map()));
    return map;
  }

  /**
   * Ids for series keys, registering new ones in their own committed statement: a key without
   * rows is harmless, and it keeps the id cache equal to the table whatever happens to the batch.
   */
  async resolve(sql: Sql, ws: number, keys: SeriesKey[]): Promise<number[]> {
    const map = this.idsOf(ws);
    const fresh: (SeriesKey & { id: number })[] = [];
    const ids = keys.map((key) => {
      const k = keyOf(key);
      let id = map.get(k);
      if (id === undefined) {
        id = this.nextId++;
        fresh.push({ ...key, id });
        map.set(k, id);
        this.keys(ws).set(id, key);
      }
      return id;
    });
    if (fresh.length > 0) {
      const appender = await sql.appender('series');
      try {
        for (const s of fresh) {
          appender.appendInteger(ws);
          appender.appendInteger(s.id);
          appender.appendVarchar(s.brand);
          appender.appendVarchar(s.touchpoint);
          appender.appendVarchar(s.source);
          appender.appendVarchar(s.metric);
          appender.endRow();
        }
        appender.flushSync();
      } catch (error) {
        appender.clear();
        for (const s of fresh) {
          map.delete(keyOf(s));
          this.keys(ws).delete(s.id);
        }
        throw error;
      }
    }
    return ids;
  }

  /** Every series key of a workspace by id. */
  keys(ws: number): Map<number, SeriesKey> {
    let keys = this.byId.get(ws);
    if (!keys) this.byId.set(ws, (keys = new Map()));
    return keys;
  }

  /** Series ids of a workspace matching a filter. */
  matching(ws: number, filter: SeriesMatch): number[] {
    const ids: number[] = [];
    const fields = (Object.keys(filter) as (keyof SeriesKey)[]).filter((f) => filter[f]);
    for (const [id, key] of this.keys(ws)) {
      if (fields.every((f) => filter[f]!.includes(key[f]))) ids.push(id);
    }
    return ids;
  }

  forget(ws: number): void {
    this.ids.delete(ws);
    this.byId.delete(ws);
  }
}
