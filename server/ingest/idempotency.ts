import { IngestResult } from '../../shared/schemas/ingest.js';
import type { Database } from '../db/database.js';
import { storedOrFail } from '../db/stored.js';
import { errors } from '../errors.js';
import { q } from './queries.js';

export interface Outcome {
  result: IngestResult;
  replayed: boolean;
}

/**
 * Idempotency keys per workspace. The ledger row is written in the same transaction as the rows,
 * so a stored key means the data is there; a key in flight makes duplicates wait for its answer.
 * Failures are not remembered: a corrected retry proceeds.
 */
export class Idempotency {
  private readonly inflight = new Map<string, { hash: string; promise: Promise<Outcome> }>();

  constructor(private readonly db: Database) {}

  async run(ws: number, key: string, hash: string, work: () => Promise<IngestResult>): Promise<Outcome> {
    const id = `${ws}\u0000${key}`;
    for (;;) {
      const flying = this.inflight.get(id);
      if (flying) {
        if (flying.hash !== hash) throw errors.idempotencyConflict(key);
        try {
          return { result: (await flying.promise).result, replayed: true };
        } catch {
          continue; // the first attempt failed and left nothing: try again ourselves
        }
      }
      // Registered before any await, so concurrent duplicates find it.
      const promise = this.attempt(ws, key, hash, work);
      this.inflight.set(id, { hash, promise });
      try {
        return await promise;
      } finally {
        if (this.inflight.get(id)?.promise === promise) this.inflight.delete(id);
      }
    }
  }

  /** Whether a request with this key was stored (and can be answered without queuing anything). */
  async stored(ws: number, key: string): Promise<boolean> {
    return (await this.lookup(ws, key)) !== undefined;
  }

  private lookup(ws: number, key: string) {
    return this.db.read((sql) => sql.one<{ hash: string; response: string }>(q.ledgerLookup, { ws, key }));
  }

  private async attempt(
    ws: number,
    key: string,
    hash: string,
    work: () => Promise<IngestResult>,
  ): Promise<Outcome> {
    const stored = await this.lookup(ws, key);
    if (stored) {
      if (!sameRequest(stored.hash, hash)) throw errors.idempotencyConflict(key);
      const result = storedOrFail(
        IngestResult,
        stored.response,
        { table: 'ingest_ledger', what: 'answer to Idempotency-Key', id: key },
        'The request was stored when the key was first used: do not send it again under a new key: its rows would be stored a second time.',
      );
      return { result, replayed: true };
    }
    return { result: await work(), replayed: false };
  }
}

/**
 * Fingerprints end with `|<media type>`; those stored before the media type was part of them
 * have none, and match on the rest.
 */
function sameRequest(stored: string, current: string): boolean {
  if (stored === current) return true;
  return !stored.includes('|') && stored === current.slice(0, current.lastIndexOf('|'));
}
