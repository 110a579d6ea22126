// Arrow IPC stream → the decoded batch. The stream is read by our own bounded reader
// (arrow-ipc.ts): only the six event columns are located (arrow-buffers.ts), decompressed and
// converted (arrow-numbers.ts, arrow-strings.ts), so the other columns of a stream cost nothing
// whatever their type.
//
// Two passes. The first walks every message: it checks the schema, locates each batch's columns
// and dictionaries, checks that their buffers hold the rows they declare and counts the bytes
// compressed buffers declare against the request's budget, all before anything is allocated.
// The second decompresses and converts one batch at a time, yielding to the event loop between.
import { EVENT_FIELDS, type EventField } from '../../../shared/schemas/ingest.js';
import { ApiError, errors } from '../../errors.js';
import { BatchBuilder, type DecodedBatch, STRING_FIELDS, type StringField, yieldToLoop } from '../batch.js';
import { Budget, BufferSource, type DictChain, type Location, locateColumn } from './arrow-buffers.js';
import { checkColumn, typeName } from './arrow-columns.js';
import { CompressionError } from './arrow-compression.js';
import { emptySnapshot } from './arrow-dictionaries.js';
import { ArrowFormatError, fail } from './arrow-flatbuffers.js';
import { MessageReader, messageTypeName, type RecordBatchMeta } from './arrow-ipc.js';
import { fillTs, fillValue } from './arrow-numbers.js';
import { type BatchColumns, describeField, rawRow } from './arrow-quoting.js';
import { type ArrowField, type ArrowSchema, dictionaryValues } from './arrow-schema.js';
import { fillStrings, StringCodes } from './arrow-strings.js';

export interface ArrowDecoderLimits {
  /** Bytes the compressed buffers of one request may decompress to (the six columns only). */
  maxDecompressedBytes: number;
  /** Rows one request may hold. */
  maxRows: number;
}

/** Without a hub's settings (the ingest service passes 4 × MAX_BODY_MB and INGEST_QUEUE_ROWS). */
const DEFAULT_LIMITS: ArrowDecoderLimits = {
  maxDecompressedBytes: 4 * 64 * 1024 * 1024,
  maxRows: 16_777_216,
};

/** Rows converted between two yields to the event loop (at batch boundaries). */
const YIELD_ROWS = 65_536;

/** Rows of batches whose six columns are all of type null (they carry no bytes) a request may hold. */
const MAX_EMPTY_ROWS = 65_536;

const NOT_ARROW = 'The body is not an Arrow IPC stream';

const HINT =
  'Send an Arrow IPC stream with columns ts (timestamp, date, int64 epoch ms or ISO 8601 text), brand, touchpoint, source, metric (strings: utf8, large_utf8 or utf8_view, plain or dictionary-encoded) and value (integer, float or decimal).';
const HINT_DAMAGED =
  'Send the whole stream as the producer wrote it: pyarrow pa.ipc.new_stream(sink, schema) closed (a with block, or writer.close()), polars df.write_ipc_stream(file), arrow-js tableToIPC(table, "stream"). A stream that still fails is damaged on its way: check the producer and the transport.';
const HINT_COMPRESSION =
  'Write the stream uncompressed (pyarrow pa.ipc.IpcWriteOptions(compression=None), polars df.write_ipc_stream(file, compression="uncompressed")) or with LZ4_FRAME or ZSTD (pyarrow compression="lz4" or "zstd", polars compression="lz4" or "zstd"); if it still fails, the stream is damaged on its way.';
const HINT_ENDIAN =
  'Send a little-endian stream, the default of pyarrow, polars and arrow-js: read it where it was written and write it again on a little-endian machine.';

interface PlannedBatch {
  first: number;
  length: number;
  columns: BatchColumns;
}

class ArrowStream {
  private schema: ArrowSchema | null = null;
  private located: Record<EventField, Location> | null = null;
  /** Dictionary ids the six columns use → the dictionary's values. */
  private readonly needed = new Map<number, ArrowField>();
  private readonly chains = new Map<number, DictChain>();
  private readonly batches: PlannedBatch[] = [];
  private rows = 0;
  private emptyRows = 0;
  private readonly budget: Budget;
  /** Where a failure happened, for its message. */
  private context = NOT_ARROW;
  private hint = HINT_DAMAGED;

  constructor(private readonly limits: ArrowDecoderLimits) {
    this.budget = new Budget(limits.maxDecompressedBytes);
  }

  async read(body: Uint8Array): Promise<void> {
    const reader = new MessageReader(body);
    for (;;) {
      this.context = !this.schema
        ? NOT_ARROW
        : `The message after ${this.batches.length ? `record batch ${this.batches.length - 1}` : 'the schema'}`;
      this.hint = HINT_DAMAGED;
      const message = reader.next();
      if (!message) break;
      switch (message.kind) {
        case 'schema':
          if (this.schema) fail('it holds a second schema');
          this.schema = message.schema;
          break;
        case 'dictionary':
          this.requireSchema();
          this.dictionary(message.id, message.isDelta, message.batch);
          break;
        case 'record':
          this.requireSchema();
          this.record(message.batch);
          break;
        default:
          this.hint = 'Send record batches only: pyarrow pa.ipc.new_stream and write_table / write_batch.';
          fail(`it holds a ${messageTypeName(message.type)} message, not a record batch`);
      }
      if (reader.count % 64 === 0) await yieldToLoop();
    }
  }

  private requireSchema(): void {
    if (!this.schema) fail('its first message is not a schema');
    if (!this.located) this.locateColumns();
  }

  /** Finds the six columns in the schema (checked once, named as record batch 0's). */
  private locateColumns(): void {
    const schema = this.schema!;
    this.context = 'Record batch 0';
    const at = (name: EventField) => {
      const found = schema.fields.flatMap((f, i) => (f.name === name ? [i] : []));
      if (found.length === 0) {
        const names = schema.fields
          .slice(0, 20)
          .map((f) => JSON.stringify(f.name.length > 40 ? `${f.name.slice(0, 40)}…` : f.name));
        throw errors.malformedBody(
          `Record batch 0 has no column "${name}" (its columns: ${names.join(', ') || 'none'}${schema.fields.length > 20 ? ', …' : ''}).`,
          `${HINT} Name them exactly so: pyarrow table.rename_columns([...]), polars df.rename({"old": "${name}"}).`,
        );
      }
      if (found.length > 1) {
        throw errors.malformedBody(
          `Record batch 0 has ${found.length} columns named "${name}".`,
          'Keep one of them: pyarrow table.drop_columns / table.select, polars df.select.',
        );
      }
      return found[0]!;
    };
    const indexes = EVENT_FIELDS.map(at);
    for (const [k, name] of EVENT_FIELDS.entries()) checkColumn(name, schema.fields[indexes[k]!]!);
    const located = {} as Record<EventField, Location>;
    for (const [k, name] of EVENT_FIELDS.entries()) {
      const field = schema.fields[indexes[k]!]!;
      located[name] = { field, ...slotsBefore(schema, indexes[k]!, name) };
      if (field.dictionary) this.needed.set(field.dictionary.id, dictionaryValues(field, schema));
    }
    this.located = located;
  }

  private dictionary(id: number, isDelta: boolean, meta: RecordBatchMeta): void {
    const values = this.needed.get(id);
    if (!values) return; // a dictionary of another column: never read
    const user = EVENT_FIELDS.find((name) => this.located![name].field.dictionary?.id === id)!;
    this.context = `The dictionary batch of column "${user}" (dictionary ${id}) before record batch ${this.batches.length}`;
    if (meta.nodeCount < 1) fail('it has no field node');
    const source = new BufferSource(meta.body, meta.codec, this.context);
    const location = { field: values, node: 0, buffer: 0, view: 0 };
    const part = locateColumn(meta, source, this.budget, location, user, null);
    const chain = this.chains.get(id);
    if (isDelta) {
      if (!chain) fail('it is a delta of a dictionary the stream has not sent');
      chain!.parts.push(part);
      chain!.length += part.length;
    } else {
      this.chains.set(id, { parts: [part], length: part.length, cache: new Map() });
    }
  }

  private record(meta: RecordBatchMeta): void {
    const index = this.batches.length;
    this.context = `Record batch ${index}`;
    const n = meta.length;
    const source = new BufferSource(meta.body, meta.codec, this.context);
    const columns = {} as BatchColumns;
    let empty = true;
    for (const name of EVENT_FIELDS) {
      const location = this.located![name];
      let snapshot = null;
      const dictionary = location.field.dictionary;
      if (dictionary) {
        const chain = this.chains.get(dictionary.id);
        if (!chain && n > 0)
          fail(`column "${name}" uses dictionary ${dictionary.id}, which the stream has not sent before it`);
        snapshot = chain ? { chain, length: chain.length } : emptySnapshot();
      }
      columns[name] = locateColumn(meta, source, this.budget, location, name, snapshot);
      if (dictionary || location.field.type.kind !== 'null') empty = false;
    }
    if (empty) {
      this.emptyRows += n;
      if (this.emptyRows > MAX_EMPTY_ROWS) {
        throw errors.malformedBody(
          `Record batch ${index}: the stream declares more than ${MAX_EMPTY_ROWS} rows whose six columns are all of type null.`,
          HINT,
        );
      }
    }
    this.batches.push({ first: this.rows, length: n, columns });
    this.rows += n;
    if (this.rows > this.limits.maxRows) {
      throw new ApiError(
        413,
        'too_many_rows',
        `This Arrow stream holds more than ${this.limits.maxRows} rows (${this.rows} by record batch ${index}), more than one request may hold.`,
        'Split it into smaller requests (each can carry its own Idempotency-Key).',
      );
    }
  }

  /** The decoded batch: every planned batch converted, one at a time. */
  async decode(): Promise<DecodedBatch> {
    const builder = new BatchBuilder(Math.max(1024, this.rows));
    const codes = {} as Record<StringField, StringCodes>;
    for (const field of STRING_FIELDS) codes[field] = new StringCodes(builder.strings[field]);
    let sinceYield = 0;
    for (const [index, batch] of this.batches.entries()) {
      this.context = `Record batch ${index}`;
      const at = batch.first;
      const c = batch.columns;
      fillTs(c.ts.load(), builder.ts, builder.tsProblem, at);
      for (const field of STRING_FIELDS) {
        fillStrings(c[field].load(), codes[field], builder.strings[field].codes, at);
      }
      fillValue(c.value.load(), builder.value, builder.valueProblem, at);
      builder.length = at + batch.length;
      // At batch boundaries, once a slice's worth of rows is done (not after each small batch).
      sinceYield += batch.length + 64;
      if (sinceYield >= YIELD_ROWS) {
        sinceYield = 0;
        await yieldToLoop();
      }
    }
    const find = (row: number): [PlannedBatch, number] => {
      let lo = 0;
      let hi = this.batches.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.batches[mid]!.first <= row) lo = mid;
        else hi = mid - 1;
      }
      const batch = this.batches[lo]!;
      return [batch, row - batch.first];
    };
    const decoded = builder.finish('arrow', {
      rawText: (row) => {
        const [batch, i] = find(row);
        return rawRow(batch.columns, i, decoded, row);
      },
      describe: (row, field) => {
        const [batch, i] = find(row);
        return describeField(batch.columns, i, field);
      },
    });
    return decoded;
  }

  /** Any failure as the API error a producer can act on. */
  explain(error: unknown): ApiError {
    if (error instanceof ApiError) return error;
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof CompressionError) {
      return errors.malformedBody(`${this.context} cannot be read: ${reason}.`, HINT_COMPRESSION);
    }
    if (error instanceof ArrowFormatError) {
      const hint = /compress|codec/.test(reason) ? HINT_COMPRESSION : this.hint;
      const message =
        this.context === NOT_ARROW
          ? `${this.context}: ${reason}.`
          : `${this.context} cannot be read: ${reason}.`;
      return errors.malformedBody(message, /big-endian/.test(reason) ? HINT_ENDIAN : hint);
    }
    return errors.malformedBody(`${this.context} cannot be read (${reason}).`, HINT_DAMAGED);
  }
}

/** The field nodes, buffers and variadic-buffer counts the fields before field `index` take. */
function slotsBefore(schema: ArrowSchema, index: number, name: EventField): Omit<Location, 'field'> {
  const slots = { node: 0, buffer: 0, view: 0 };
  for (const before of schema.fields.slice(0, index)) {
    const layout = before.layout;
    if (!layout) {
      throw errors.malformedBody(
        `Record batch 0: column "${name}" comes after column ${JSON.stringify(before.name.slice(0, 40))}, of ${typeName(before)}, whose buffers this server cannot locate.`,
        `Put the six columns first in the schema, or leave that column out: pyarrow table.select([...]), polars df.select([...]).`,
      );
    }
    slots.node += layout.nodes;
    slots.buffer += layout.buffers;
    slots.view += layout.views;
  }
  return slots;
}

/**
 * Arrow IPC stream (or file), one record batch at a time. Dictionary-encoded strings keep their
 * dictionaries: each dictionary entry is decoded and validated once.
 */
export async function decodeArrow(
  body: Buffer,
  limits: Partial<ArrowDecoderLimits> = {},
): Promise<DecodedBatch> {
  const stream = new ArrowStream({ ...DEFAULT_LIMITS, ...limits });
  try {
    await stream.read(body);
    return await stream.decode();
  } catch (error) {
    throw stream.explain(error);
  }
}
