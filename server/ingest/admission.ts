import { ApiError, errors } from '../errors.js';

// Admission before a body is read: a request is let in only if the bytes of every upload in
// flight and the rows they will queue fit their budgets. Refusing at the headers costs nothing;
// refusing after a 30 MB body was read and decoded wastes the work of a whole request.

export interface GateOptions {
  /** Bytes of request bodies (decompressed) held at once, from admission to answer. */
  inflightBytes: number;
  /** Rows waiting for the writer, counting those admitted and still being read or decoded. */
  queueRows: number;
}

/** Bytes per row of each format before any was measured: on the low side, so rows are not over-estimated. */
const INITIAL_BYTES_PER_ROW: Record<string, number> = {
  'application/vnd.apache.arrow.stream': 20,
  'application/json': 100,
  'application/x-ndjson': 100,
  'text/csv': 50,
};

/** A rate measured over the last few seconds (an exponentially weighted mean of per-second amounts). */
class Rate {
  private perSecond = 0;
  private bucketStart = 0;
  private bucket = 0;

  add(amount: number, now = Date.now()): void {
    this.roll(now);
    this.bucket += amount;
  }

  private roll(now: number): void {
    if (this.bucketStart === 0) this.bucketStart = now;
    while (now - this.bucketStart >= 1000) {
      this.perSecond = this.perSecond === 0 ? this.bucket : 0.7 * this.perSecond + 0.3 * this.bucket;
      this.bucket = 0;
      this.bucketStart += 1000;
      // Long idle: start again from now rather than decaying second by second.
      if (now - this.bucketStart > 10_000) this.bucketStart = now;
    }
  }

  /** Per second, or undefined before the first second with traffic. */
  value(now = Date.now()): number | undefined {
    this.roll(now);
    return this.perSecond > 0 ? this.perSecond : undefined;
  }
}

/** One admitted request: what it holds, adjusted as its body arrives and its rows are known. */
export class Ticket {
  bytes = 0;
  rows = 0;
  private released = false;
  private held = false;

  constructor(
    private readonly gate: IngestGate,
    readonly mediaType: string,
    readonly replay: boolean,
  ) {}

  /** The body grew (chunked or decompressed): throws when it passes a budget. */
  grow(bytes: number): void {
    if (this.released) return;
    this.gate.grow(this, bytes);
  }

  /** The decoded row count replaces the estimate. */
  decoded(rows: number, bodyBytes: number): void {
    if (this.released) return;
    this.gate.decoded(this, rows, bodyBytes);
  }

  /** The handler works on it: only `unhold` frees it (an aborted client does not free memory still in use). */
  hold(): void {
    this.held = true;
  }

  unhold(): void {
    this.held = false;
    this.release();
  }

  /** Answered (or failed): its budgets are free again. */
  release(): void {
    if (this.released || this.held) return;
    this.released = true;
    this.gate.release(this);
  }
}

export class IngestGate {
  private inflightBytes = 0;
  private reservedRows = 0;
  private readonly bytesDone = new Rate();
  private readonly rowsDone = new Rate();
  private readonly bytesPerRow = new Map<string, number>(Object.entries(INITIAL_BYTES_PER_ROW));

  constructor(
    private readonly options: GateOptions,
    private readonly writerDepth: () => number,
  ) {}

  /**
   * Admits a request of `declared` bytes (Content-Length; undefined when chunked) or throws 429
   * with a Retry-After drawn from the measured drain rate.
   */
  admit(mediaType: string, declared: number | undefined, { replay = false } = {}): Ticket {
    const bytes = declared ?? 0;
    // A retry of a stored request is answered from the ledger: it queues nothing.
    const rows = replay ? 0 : this.estimateRows(mediaType, bytes);
    this.checkBytes(this.inflightBytes, bytes);
    const queued = this.reservedRows + this.writerDepth();
    if (queued > 0 && queued + rows > this.options.queueRows) {
      const excess = queued + rows - this.options.queueRows;
      throw errors.queueFull(this.retryAfter(excess, this.rowsDone.value()), queued, this.options.queueRows);
    }
    const ticket = new Ticket(this, mediaType, replay);
    ticket.bytes = bytes;
    ticket.rows = rows;
    this.inflightBytes += bytes;
    this.reservedRows += rows;
    return ticket;
  }

  grow(ticket: Ticket, bytes: number): void {
    if (bytes <= ticket.bytes) return;
    const more = bytes - ticket.bytes;
    // Only a body that grows past its declared length (chunked, or decompressing) gets here.
    this.checkBytes(this.inflightBytes - ticket.bytes, bytes);
    this.inflightBytes += more;
    ticket.bytes = bytes;
    const rows = ticket.replay ? 0 : this.estimateRows(ticket.mediaType, bytes);
    this.reservedRows += rows - ticket.rows;
    ticket.rows = rows;
  }

  /** Rows are known: the writer counts them from now on; the estimate learns from them. */
  decoded(ticket: Ticket, rows: number, bodyBytes: number): void {
    this.reservedRows -= ticket.rows;
    ticket.rows = 0;
    if (rows > 0 && bodyBytes > 0) {
      const measured = bodyBytes / rows;
      const before = this.bytesPerRow.get(ticket.mediaType) ?? measured;
      this.bytesPerRow.set(ticket.mediaType, 0.8 * before + 0.2 * measured);
    }
  }

  release(ticket: Ticket): void {
    this.inflightBytes -= ticket.bytes;
    this.reservedRows -= ticket.rows;
    this.bytesDone.add(ticket.bytes);
  }

  /** Rows committed by the writer: the drain rate of the queue. */
  committed(rows: number): void {
    this.rowsDone.add(rows);
  }

  /**
   * Room for a body of `bytes` beside `others` bytes held by other requests; with none held, any
   * body (below the body limit) fits, so an idle hub always admits one.
   */
  private checkBytes(others: number, bytes: number): void {
    if (others > 0 && others + bytes > this.options.inflightBytes) {
      const excess = others + bytes - this.options.inflightBytes;
      throw errors.ingestBusy(this.retryAfter(excess, this.bytesDone.value()), this.options.inflightBytes);
    }
  }

  private estimateRows(mediaType: string, bytes: number): number {
    return Math.floor(bytes / (this.bytesPerRow.get(mediaType) ?? 100));
  }

  /**
   * Whole seconds (RFC 9110) until `excess` has drained at `rate` per second, spread by a random
   * extra of up to half of it (one second at least), so refused clients do not all come back at once.
   */
  private retryAfter(excess: number, rate: number | undefined): number {
    const seconds = rate ? Math.max(1, Math.ceil(excess / rate)) : 1;
    const spread = Math.max(1, Math.ceil(seconds / 2));
    return Math.min(60, seconds + Math.floor(Math.random() * (spread + 1)));
  }
}

export const isAdmissionError = (error: unknown): error is ApiError =>
  error instanceof ApiError && (error.code === 'ingest_busy' || error.code === 'queue_full');
