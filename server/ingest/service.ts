import type { IngestResult, RowError } from '../../shared/schemas/ingest.js';
import type { QuarantinePage, QuarantineRow, ReplayResult } from '../../shared/schemas/quarantine.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { errors } from '../errors.js';
import type { WorkspaceState } from '../workspaces/service.js';
import { BatchBuilder, type DecodedBatch, type RawRecord, yieldToLoop } from './batch.js';
import { decodeArrow } from './decode/arrow.js';
import { decodeCsv } from './decode/csv.js';
import { decodeJson } from './decode/json.js';
import { decodeNdjson } from './decode/ndjson.js';
import type { IngestGate, Ticket } from './admission.js';
import { Idempotency, type Outcome } from './idempotency.js';
import { describeValue } from './raw.js';
import { q } from './queries.js';
import { type Bounds, type ReplaceScope, validate } from './validate.js';
import type { Writer } from './writer.js';

type Decoder = (body: Buffer, config: Config) => Promise<DecodedBatch>;

const DECODERS: Record<string, Decoder> = {
  'application/json': decodeJson,
  'application/x-ndjson': decodeNdjson,
  'text/csv': decodeCsv,
  // A compressed Arrow body may decompress to 4 × the body limit, and hold as many rows as the queue.
  'application/vnd.apache.arrow.stream': (body, config) =>
    decodeArrow(body, {
      maxDecompressedBytes: 4 * config.maxBodyMb * 1024 * 1024,
      maxRows: config.ingestQueueRows,
    }),
};

const MAX_LISTED_ERRORS = 100;
/** A quarantine listing page is at most this much JSON, whatever `limit` asks. */
export const PAGE_BYTES = 4 * 1024 * 1024;
/** Rows a replay reads at a time: each keeps at most 4 KB, so about 4 MB a page. */
const REPLAY_PAGE_ROWS = 1000;
const DAY_MS = 86_400_000;

export interface IngestRequest {
  workspace: WorkspaceState;
  mediaType: string;
  body: Buffer;
  bodyHash: string;
  idempotencyKey?: string;
  replace?: ReplaceScope;
  /** Its admission: told the real row count once decoded. */
  ticket?: Ticket;
}

export class IngestService {
  readonly idempotency: Idempotency;

  constructor(
    private readonly db: Database,
    readonly writer: Writer,
    readonly gate: IngestGate,
    private readonly config: Config,
  ) {
    this.idempotency = new Idempotency(db);
  }

  private bounds(): Bounds {
    return { minMs: Date.parse(this.config.tsMin), maxMs: Date.now() + this.config.tsMaxAheadMs };
  }

  /** The oldest instant a correction may touch: raw rows before it are purged. */
  replaceFloorMs(): number {
    return Date.now() - (this.config.rawRetentionDays - 1) * DAY_MS;
  }

  async ingest(request: IngestRequest): Promise<Outcome> {
    const work = () => this.decodeAndWrite(request);
    if (!request.idempotencyKey) return { result: await work(), replayed: false };
    return this.idempotency.run(request.workspace.key, request.idempotencyKey, request.bodyHash, work);
  }

  private async decodeAndWrite(request: IngestRequest): Promise<IngestResult> {
    const decode = DECODERS[request.mediaType];
    if (!decode) throw errors.unsupportedMediaType(request.mediaType);
    const batch = await decode(withoutBom(request.body), this.config);
    request.ticket?.decoded(batch.length, request.body.length);
    await yieldToLoop();
    const { accepted, rejected, rejectedSources } = await validate(
      batch,
      request.workspace,
      this.bounds(),
      request.replace,
    );
    const response = toResult(accepted.length, rejected);
    await this.writer.write({
      workspace: request.workspace,
      accepted,
      rejected,
      rejectedSources,
      // Only rejected rows are quoted: without any, the decoded columns can go before the commit.
      rawText: rejected.length > 0 ? batch.rawText : noRows,
      format: batch.format,
      response,
      ledger: request.idempotencyKey ? { key: request.idempotencyKey, hash: request.bodyHash } : undefined,
      replace: request.replace,
    });
    return response;
  }

  /** Rows held in quarantine per reason. */
  async quarantineCounts(workspace: WorkspaceState): Promise<Record<string, number>> {
    const counts = await this.db.read((sql) =>
      sql.rows<{ reason: string; n: number }>(q.quarantineCounts, { ws: workspace.key }),
    );
    return Object.fromEntries(counts.map((c) => [c.reason, c.n]));
  }

  async quarantinePage(
    workspace: WorkspaceState,
    options: { reason?: string; limit: number; cursor?: string },
  ): Promise<QuarantinePage> {
    const after = options.cursor === undefined ? 0n : parseCursor(options.cursor);
    return this.db.read(async (sql) => {
      const counts = await sql.rows<{ reason: string; n: number }>(q.quarantineCounts, { ws: workspace.key });
      // One row more than asked tells whether another page follows.
      const rows = await sql.rows<HeldRow>(q.quarantinePage(options.reason !== undefined), {
        ws: workspace.key,
        after,
        reason: options.reason ?? null,
        limit: options.limit + 1,
      });
      const page: QuarantineRow[] = [];
      let bytes = 0;
      for (const { raw, cut, ...row } of rows.slice(0, options.limit)) {
        const out: QuarantineRow = {
          ...row,
          raw: cut ? null : (JSON.parse(raw) as Record<string, unknown>),
          rawText: raw,
          cut,
        };
        bytes += Buffer.byteLength(JSON.stringify(out));
        if (page.length > 0 && bytes > PAGE_BYTES) break;
        page.push(out);
      }
      return {
        rows: page,
        counts: Object.fromEntries(counts.map((c) => [c.reason, c.n])),
        total: held(counts),
        nextCursor: page.length < rows.length ? page[page.length - 1]!.id : null,
      };
    });
  }

  /** Re-validates held rows against today's workspace and vocabulary; those that pass are ingested. */
  async replayQuarantine(workspace: WorkspaceState, reason?: string): Promise<ReplayResult> {
    let replayed = 0;
    for (let after = 0n; ;) {
      const held = await this.db.read((sql) =>
        sql.rows<HeldRow>(q.quarantinePage(reason !== undefined), {
          ws: workspace.key,
          reason: reason ?? null,
          after,
          limit: REPLAY_PAGE_ROWS,
        }),
      );
      if (held.length === 0) break;
      after = BigInt(held[held.length - 1]!.id);
      // A row cut at 4 KB cannot be judged again as sent: it stays held.
      const page = held.filter((r) => !r.cut);
      if (page.length === 0) continue;
      const builder = new BatchBuilder(page.length);
      const records: RawRecord[] = page.map((r) => JSON.parse(r.raw) as RawRecord);
      records.forEach((record, i) => builder.push(record, page[i]!.format === 'csv'));
      const batch = builder.finish('replay', {
        rawText: (row) => ({ text: page[row]!.raw, cut: false }),
        describe: (row, field) => describeValue(records[row]![field]),
      });
      const { accepted, rejected } = await validate(batch, workspace, this.bounds());
      const rejectedRows = new Set(rejected.map((r) => r.row));
      const release = page.filter((_, i) => !rejectedRows.has(i)).map((r) => BigInt(r.id));
      if (release.length === 0) continue;
      await this.writer.write({
        workspace,
        accepted,
        rejected: [],
        rawText: batch.rawText,
        format: 'replay',
        response: toResult(accepted.length, []),
        releaseQuarantine: release,
      });
      replayed += accepted.length;
    }
    const counts = await this.db.read((sql) =>
      sql.rows<{ reason: string; n: number }>(q.quarantineCounts, { ws: workspace.key }),
    );
    return {
      replayed,
      stillRejected: held(counts, reason),
      counts: Object.fromEntries(counts.map((c) => [c.reason, c.n])),
    };
  }

  async purgeQuarantine(workspace: WorkspaceState, reason?: string): Promise<number> {
    return this.db.write(async (sql) => {
      const before = await sql.rows<{ reason: string; n: number }>(q.quarantineCounts, { ws: workspace.key });
      await sql.run(q.quarantinePurge(reason !== undefined), { ws: workspace.key, reason: reason ?? null });
      return held(before, reason);
    });
  }

  /** Raw rows past RAW_RETENTION_DAYS go (rollups stay); idempotency keys past IDEMPOTENCY_DAYS go. */
  async purgeExpired(now = Date.now()): Promise<void> {
    const rawCutoff = new Date(now - this.config.rawRetentionDays * DAY_MS).toISOString();
    const keyCutoff = new Date(now - this.config.idempotencyDays * DAY_MS).toISOString();
    await this.db.write(async (sql) => {
      await sql.run(q.purgeRawBefore, { cutoff: rawCutoff });
      await sql.run(q.purgeQuarantineBefore, { cutoff: rawCutoff });
      await sql.run(q.purgeLedgerBefore, { cutoff: keyCutoff });
    });
  }
}

const noRows = (): never => {
  throw new Error('no row of this request was rejected');
};

/** A held row as the page query reads it. */
type HeldRow = Omit<QuarantineRow, 'raw' | 'rawText'> & { raw: string };

/** Spreadsheet exports often start with a UTF-8 byte-order mark; it is not data. */
function withoutBom(body: Buffer): Buffer {
  return body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? body.subarray(3) : body;
}

/** Rows held for one reason, or for all. */
function held(counts: { reason: string; n: number }[], reason?: string): number {
  return counts.reduce((sum, c) => sum + (reason === undefined || c.reason === reason ? c.n : 0), 0);
}

function toResult(accepted: number, rejected: RowError[]): IngestResult {
  return { accepted, rejected: rejected.length, errors: rejected.slice(0, MAX_LISTED_ERRORS) };
}

function parseCursor(cursor: string): bigint {
  if (!/^\d{1,19}$/.test(cursor)) {
    throw errors.invalidQuery(
      `Cursor "${cursor}" is not one this API gave.`,
      'Pass nextCursor from the previous page.',
    );
  }
  return BigInt(cursor);
}
