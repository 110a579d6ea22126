// Arrow IPC stream → the decoded batch. The stream is read by our own bounded reader
// (arrow-ipc.ts): only the six event columns are located, decompressed and converted
// (arrow-columns.ts), so the other columns of a stream cost nothing whatever their type.
//
// Two passes. The first walks every message: it checks the schema, locates each batch's columns
// and dictionaries, checks that their buffers hold the rows they declare and counts the bytes
// compressed buffers declare against the request's budget, all before anything is allocated.
// The second decompresses and converts one batch at a time, yielding to the event loop between.
import type { EventField } from '../../../shared/schemas/ingest.js';
import { ApiError, errors } from '../../errors.js';
import { BatchBuilder, type DecodedBatch, STRING_FIELDS, type StringField, yieldToLoop } from '../batch.js';
import { keepRawString } from '../raw.js';
import {
  type ColumnName,
  Budget,
  BufferSource,
  checkColumn,
  Column,
  type ColumnRegions,
  type DictChain,
  describeNumber,
  describeString,
  fillStrings,
  fillTs,
  fillValue,
  rawString,
  rawTs,
  rawValue,
  requiredSizes,
  StringCodes,
  typeName,
} from './arrow-columns.js';
import { CompressionError } from './arrow-compression.js';
import {
  type ArrowField,
  ArrowFormatError,
  type ArrowSchema,
  dictionaryValues,
  MessageReader,
  messageTypeName,
  type RecordBatchMeta,
} from './arrow-ipc.js';

const COLUMNS: readonly ColumnName[] = ['ts', 'brand', 'touchpoint', 'source', 'metric', 'value'];

export interface ArrowDecoderLimits {
  /** Bytes the compressed buffers of one request may decompress to (the six columns only). */
  maxDecompressedBytes: number;
  /** Rows one request may hold. */
  maxRows: number;
}

const limits: ArrowDecoderLimits = { maxDecompressedBytes: 4 * 64 * 1024 * 1024, maxRows: 16_777_216 };

/** Sets the limits (the ingest plugin: 4 × MAX_BODY_MB, INGEST_QUEUE_ROWS). */
export function configureArrowDecoder(next: Partial<ArrowDecoderLimits>): ArrowDecoderLimits {
  const previous = { ...limits };
  Object.assign(limits, next);
  return previous;
}

/** Rows converted between two yields to the event loop (at batch boundaries). */
const YIELD_ROWS = 65_536;

/** Rows of batches whose six columns are all of type null (they carry no bytes) a request may hold. */
const MAX_EMPTY_ROWS = 65_536;

const HINT =
  'Send an Arrow IPC stream with columns ts (timestamp, date, int64 epoch ms or ISO 8601 text), brand, touchpoint, source, metric (strings: utf8, large_utf8 or utf8_view, plain or dictionary-encoded) and value (integer, float or decimal).';
const HINT_DAMAGED =
  'Send the whole stream as the producer wrote it: pyarrow pa.ipc.new_stream(sink, schema) closed (a with block, or writer.close()), polars df.write_ipc_stream(file), arrow-js tableToIPC(table, "stream"). A stream that still fails is damaged on its way: check the producer and the transport.';
const HINT_COMPRESSION =
  'Write the stream uncompressed (pyarrow pa.ipc.IpcWriteOptions(compression=None), polars df.write_ipc_stream(file, compression="uncompressed")) or with LZ4_FRAME or ZSTD (pyarrow compression="lz4" or "zstd", polars compression="lz4" or "zstd"); if it still fails, the stream is damaged on its way.';

interface Location {
  field: ArrowField;
  node: number;
  buffer: number;
  view: number;
}

interface PlannedBatch {
  first: number;
  length: number;
  columns: Record<ColumnName, Column>;
}

class ArrowStream {
  private schema: ArrowSchema | null = null;
  private located: Record<ColumnName, Location> | null = null;
  /** Dictionary ids the six columns use → the dictionary's values. */
  private readonly needed = new Map<number, ArrowField>();
  private readonly chains = new Map<number, DictChain>();
  readonly batches: PlannedBatch[] = [];
  rows = 0;
  private emptyRows = 0;
  private readonly budget = new Budget(limits.maxDecompressedBytes);
  /** Where a failure happened, for its message. */
  private context = 'The body is not an Arrow IPC stream';
  private hint = HINT_DAMAGED;

  async read(body: Uint8Array): Promise<void> {
    const reader = new MessageReader(body);
    for (;;) {
      this.context = !this.schema
        ? 'The body is not an Arrow IPC stream'
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
    const at = (name: ColumnName) => {
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
    const indexes = COLUMNS.map(at);
    for (const [k, name] of COLUMNS.entries()) checkColumn(0, name, schema.fields[indexes[k]!]!);
    const located = {} as Record<ColumnName, Location>;
    for (const [k, name] of COLUMNS.entries()) {
      let node = 0;
      let buffer = 0;
      let view = 0;
      for (let f = 0; f < indexes[k]!; f++) {
        const layout = schema.fields[f]!.layout;
        if (!layout) {
          throw errors.malformedBody(
            `Record batch 0: column "${name}" comes after column ${JSON.stringify(schema.fields[f]!.name.slice(0, 40))}, of ${typeName(schema.fields[f]!)}, whose buffers this server cannot locate.`,
            `Put the six columns first in the schema, or leave that column out: pyarrow table.select([...]), polars df.select([...]).`,
          );
        }
        node += layout.nodes;
        buffer += layout.buffers;
        view += layout.views;
      }
      const field = schema.fields[indexes[k]!]!;
      located[name] = { field, node, buffer, view };
      if (field.dictionary) this.needed.set(field.dictionary.id, dictionaryValues(field, schema));
    }
    this.located = located;
  }

  private dictionary(id: number, isDelta: boolean, meta: RecordBatchMeta): void {
    const values = this.needed.get(id);
    if (!values) return; // a dictionary of another column: never read
    const user = COLUMNS.find((name) => this.located![name].field.dictionary?.id === id)!;
    this.context = `The dictionary batch of column "${user}" (dictionary ${id}) before record batch ${this.batches.length}`;
    if (meta.nodeCount < 1) fail('it has no field node');
    const source = new BufferSource(meta.body, meta.codec, this.context);
    const part = this.column(meta, source, { field: values, node: 0, buffer: 0, view: 0 }, user, null);
    const chain = this.chains.get(id);
    if (isDelta) {
      if (!chain) fail('it is a delta of a dictionary the stream has not sent');
      chain!.parts.push(part);
      chain!.length += part.length;
    } else {
      this.chains.set(id, { id, field: values, parts: [part], length: part.length, cache: new Map() });
    }
  }

  private record(meta: RecordBatchMeta): void {
    const index = this.batches.length;
    this.context = `Record batch ${index}`;
    const n = meta.length;
    const source = new BufferSource(meta.body, meta.codec, this.context);
    const columns = {} as Record<ColumnName, Column>;
    let empty = true;
    for (const name of COLUMNS) {
      const location = this.located![name];
      let snapshot = null;
      const dictionary = location.field.dictionary;
      if (dictionary) {
        const chain = this.chains.get(dictionary.id);
        if (!chain && n > 0)
          fail(`column "${name}" uses dictionary ${dictionary.id}, which the stream has not sent before it`);
        snapshot = chain
          ? { chain, length: chain.length }
          : {
              chain: { id: dictionary.id, field: location.field, parts: [], length: 0, cache: new Map() },
              length: 0,
            };
      }
      columns[name] = this.column(meta, source, location, name, snapshot);
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
    if (this.rows > limits.maxRows) {
      throw new ApiError(
        413,
        'too_many_rows',
        `This Arrow stream holds more than ${limits.maxRows} rows (${this.rows} by record batch ${index}), more than one request may hold.`,
        'Split it into smaller requests (each can carry its own Idempotency-Key).',
      );
    }
  }

  /** Locates one column of a batch and checks its buffers hold its rows. */
  private column(
    meta: RecordBatchMeta,
    source: BufferSource,
    location: Location,
    name: string,
    dictionary: Column['dictionary'],
  ): Column {
    const { field } = location;
    const n = meta.length;
    const what = () => `column "${name}" (${typeName(field)})`;
    if (location.node >= meta.nodeCount) fail(`it has fewer field nodes than its schema has columns`);
    const node = meta.node(location.node);
    if (node.length !== n) fail(`${what()} holds ${node.length} values in a batch of ${n} rows`);
    if (node.nullCount > n) fail(`${what()} declares ${node.nullCount} nulls in ${n} rows`);
    // Buffers of the fields before this one, their variadic buffers included.
    let start = location.buffer;
    for (let v = 0; v < location.view; v++) {
      if (v >= meta.variadicCount)
        fail('it lists fewer variadic buffer counts than its schema has view columns');
      start += meta.variadic(v);
    }
    const required = requiredSizes(field, n);
    const regions: ColumnRegions = {
      validity: null,
      validitySize: 0,
      buffers: [],
      sizes: [],
      variadic: [],
      variadicSizes: [],
    };
    const own = required.buffers.length;
    if (own > 0) {
      let variadic = 0;
      if (required.views) {
        if (location.view >= meta.variadicCount)
          fail('it lists fewer variadic buffer counts than its schema has view columns');
        variadic = meta.variadic(location.view);
      }
      if (start + 1 + own + variadic > meta.bufferCount)
        fail(`it lists fewer buffers than its schema needs for ${what()}`);
      if (node.nullCount > 0) {
        regions.validity = meta.buffer(start);
        regions.validitySize = source.size(regions.validity, this.budget);
        if (regions.validitySize < Math.ceil(n / 8))
          fail(`${what()} has a validity bitmap too short for ${n} rows`);
      }
      for (let k = 0; k < own; k++) {
        const region = meta.buffer(start + 1 + k);
        const size = source.size(region, this.budget);
        if (size < required.buffers[k]!)
          fail(`${what()} has a buffer of ${size} bytes, too short for ${n} rows`);
        regions.buffers.push(region);
        regions.sizes.push(size);
      }
      for (let k = 0; k < variadic; k++) {
        const region = meta.buffer(start + 1 + own + k);
        regions.variadic.push(region);
        regions.variadicSizes.push(source.size(region, this.budget));
      }
    }
    return new Column(field, n, node.nullCount, source, regions, dictionary);
  }

  /** The decoded batch: every planned batch converted, one at a time. */
  async decode(): Promise<DecodedBatch> {
    const builder = new BatchBuilder(Math.max(1024, this.rows));
    const codes = {} as Record<StringField, StringCodes>;
    for (const field of STRING_FIELDS) codes[field] = new StringCodes(builder.strings[field]);
    let sinceYield = 0;
    for (const [index, batch] of this.batches.entries()) {
      this.context = `Record batch ${index}`;
      this.hint = HINT_DAMAGED;
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
        const c = batch.columns;
        let text = `{"ts":${rawTs(c.ts, i, decoded.ts[row]!, decoded.tsProblem[row]!)}`;
        for (const field of STRING_FIELDS) {
          const code = decoded.strings[field].codes[row]!;
          const s = code >= 0 ? decoded.strings[field].values[code]! : rawString(c[field], i);
          text += `,"${field}":${s === null ? 'null' : JSON.stringify(s)}`;
        }
        return keepRawString(`${text},"value":${rawValue(c.value, i)}}`);
      },
      describe: (row: number, field: EventField) => {
        const [batch, i] = find(row);
        const column = batch.columns[field];
        return field === 'ts' || field === 'value' ? describeNumber(column, i) : describeString(column, i);
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
        this.context === 'The body is not an Arrow IPC stream'
          ? `${this.context}: ${reason}.`
          : `${this.context} cannot be read: ${reason}.`;
      return errors.malformedBody(message, /big-endian/.test(reason) ? HINT_ENDIAN : hint);
    }
    return errors.malformedBody(`${this.context} cannot be read (${reason}).`, HINT_DAMAGED);
  }
}

const HINT_ENDIAN =
  'Send a little-endian stream, the default of pyarrow, polars and arrow-js: read it where it was written and write it again on a little-endian machine.';

const fail = (message: string): never => {
  throw new ArrowFormatError(message);
};

/**
 * Arrow IPC stream (or file), one record batch at a time. Dictionary-encoded strings keep their
 * dictionaries: each dictionary entry is decoded and validated once.
 */
export async function decodeArrow(body: Buffer): Promise<DecodedBatch> {
  const stream = new ArrowStream();
  try {
    await stream.read(body);
    return await stream.decode();
  } catch (error) {
    throw stream.explain(error);
  }
}
