// The buffers of one column of one batch: located in their message body and checked to hold the
// rows the batch declares (compressed ones counted against the request's budget) before anything
// is allocated; decompressed and viewed as typed arrays only when the column is converted.
import { ApiError } from '../../errors.js';
import { typeName } from './arrow-columns.js';
import { CODEC_NAMES, decompress } from './arrow-compression.js';
import { ArrowFormatError, fail, TWO_32 } from './arrow-flatbuffers.js';
import type { BufferRegion, RecordBatchMeta } from './arrow-ipc.js';
import type { ArrowField } from './arrow-schema.js';

// A dictionary's state as a column of a batch sees it (read by arrow-dictionaries.ts).
export interface DictChain {
  parts: Column[];
  length: number;
  /** Decoded entries, keyed by what decoded them (a ts, a value, or one string field's codes). */
  cache: Map<unknown, Entries>;
}

export interface DictSnapshot {
  chain: DictChain;
  /** Entries sent before this batch (later deltas are not its own). */
  length: number;
}

export interface Entries {
  length: number;
}

/** Decompressed bytes one request may allocate; past it the request is a 413. */
export class Budget {
  used = 0;
  constructor(readonly max: number) {}

  take(bytes: number, where: string): void {
    this.used += bytes;
    if (this.used > this.max) {
      const mb = Math.round(this.max / 1048576);
      throw new ApiError(
        413,
        'body_too_large',
        `${where}: the compressed Arrow buffers of ts, brand, touchpoint, source, metric and value decompress to more than ${mb} MB, the most one request may hold.`,
        'Split the data into several requests (each can carry its own Idempotency-Key).',
      );
    }
  }
}

/** A buffer in its message body, and the bytes it holds once decompressed. */
interface Located {
  region: BufferRegion;
  size: number;
}

const readInt64 = (b: Uint8Array, p: number) => {
  const view = new DataView(b.buffer, b.byteOffset + p, 8);
  return view.getInt32(4, true) * TWO_32 + view.getUint32(0, true);
};

/** The body of one message, its buffers compressed with `codec` (null: not compressed). */
export class BufferSource {
  constructor(
    private readonly body: Uint8Array,
    private readonly codec: number | null,
    private readonly where: string,
  ) {
    if (codec !== null && CODEC_NAMES[codec] === undefined) {
      throw new ArrowFormatError(
        `its buffers are compressed with codec ${codec}, neither LZ4_FRAME nor ZSTD`,
      );
    }
  }

  /** Checks the buffer lies in the body; counts the bytes it decompresses to against the budget. */
  locate(region: BufferRegion, budget: Budget): Located {
    if (region.offset + region.length > this.body.length) fail('a buffer lies outside its message body');
    if (this.codec === null || region.length === 0) return { region, size: region.length };
    if (region.length < 8) fail('a compressed buffer is shorter than its length prefix');
    const declared = readInt64(this.body, region.offset);
    if (declared === -1) return { region, size: region.length - 8 };
    if (!(declared >= 0 && declared <= Number.MAX_SAFE_INTEGER)) {
      fail(`a compressed buffer declares ${declared} bytes`);
    }
    budget.take(declared, this.where);
    return { region, size: declared };
  }

  /** The buffer's bytes, decompressed, starting at an offset that is a multiple of 8. */
  bytes({ region, size }: Located): Uint8Array {
    let view = this.body.subarray(region.offset, region.offset + region.length);
    if (this.codec !== null && region.length > 0) {
      const rest = view.subarray(8);
      if (size !== rest.length || readInt64(view, 0) !== -1) return decompress(this.codec, rest, size);
      view = rest;
    }
    return view.byteOffset % 8 === 0 ? view : new Uint8Array(view);
  }
}

interface ColumnBuffers {
  validity: Located | null;
  buffers: Located[];
  variadic: Located[];
}

/** One column of one batch (or one dictionary part): its field, its rows, its buffers once loaded. */
export class Column {
  validity: Uint8Array | null = null;
  buffers: Uint8Array[] = [];
  variadic: Uint8Array[] = [];
  private pending: ColumnBuffers | null;

  constructor(
    readonly field: ArrowField,
    readonly length: number,
    private readonly source: BufferSource,
    located: ColumnBuffers,
    readonly dictionary: DictSnapshot | null,
  ) {
    this.pending = located;
  }

  load(): this {
    const r = this.pending;
    if (r === null) return this;
    const bytes = (b: Located) => this.source.bytes(b);
    this.validity = r.validity && bytes(r.validity);
    this.buffers = r.buffers.map(bytes);
    this.variadic = r.variadic.map(bytes);
    this.pending = null;
    return this;
  }

  /** Whether row i is not null (a column of type null is null on every row: its readers check). */
  isValid(i: number): boolean {
    const v = this.validity;
    return v === null || ((v[i >> 3]! >> (i & 7)) & 1) === 1;
  }
}

/** Bytes a column's own buffers must hold for `n` rows (checked before anything is allocated). */
function requiredSizes(field: ArrowField, n: number): { buffers: number[]; views: boolean } {
  if (field.dictionary) return { buffers: [(n * field.dictionary.index.bits) / 8], views: false };
  const t = field.type;
  switch (t.kind) {
    case 'null':
      return { buffers: [], views: false };
    case 'int':
    case 'float':
    case 'decimal':
      return { buffers: [(n * t.bits) / 8], views: false };
    case 'timestamp':
      return { buffers: [n * 8], views: false };
    case 'date':
      return { buffers: [n * (t.unit === 'day' ? 4 : 8)], views: false };
    case 'fixedSizeBinary':
      return { buffers: [n * t.width], views: false };
    case 'utf8':
    case 'binary':
      return { buffers: [n === 0 ? 0 : (n + 1) * 4, 0], views: false };
    case 'largeUtf8':
    case 'largeBinary':
      return { buffers: [n === 0 ? 0 : (n + 1) * 8, 0], views: false };
    case 'utf8View':
    case 'binaryView':
      return { buffers: [n * 16], views: true };
    default:
      throw new ArrowFormatError(`type ${typeName(field)} is not read here`);
  }
}

/** Where a column's slots in a batch start: its field node, first buffer and variadic-buffer count. */
export interface Location {
  field: ArrowField;
  node: number;
  buffer: number;
  view: number;
}

const FEW_VARIADIC = 'it lists fewer variadic buffer counts than its schema has view columns';

/** Locates one column of a batch and checks its buffers hold its rows. */
export function locateColumn(
  meta: RecordBatchMeta,
  source: BufferSource,
  budget: Budget,
  location: Location,
  name: string,
  dictionary: DictSnapshot | null,
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
    if (v >= meta.variadicCount) fail(FEW_VARIADIC);
    start += meta.variadic(v);
  }
  const required = requiredSizes(field, n);
  const located: ColumnBuffers = { validity: null, buffers: [], variadic: [] };
  const own = required.buffers.length;
  if (own === 0) return new Column(field, n, source, located, dictionary);
  let variadic = 0;
  if (required.views) {
    if (location.view >= meta.variadicCount) fail(FEW_VARIADIC);
    variadic = meta.variadic(location.view);
  }
  if (start + 1 + own + variadic > meta.bufferCount)
    fail(`it lists fewer buffers than its schema needs for ${what()}`);
  if (node.nullCount > 0) {
    located.validity = source.locate(meta.buffer(start), budget);
    if (located.validity.size < Math.ceil(n / 8))
      fail(`${what()} has a validity bitmap too short for ${n} rows`);
  }
  for (let k = 0; k < own; k++) {
    const buffer = source.locate(meta.buffer(start + 1 + k), budget);
    if (buffer.size < required.buffers[k]!)
      fail(`${what()} has a buffer of ${buffer.size} bytes, too short for ${n} rows`);
    located.buffers.push(buffer);
  }
  for (let k = 0; k < variadic; k++) {
    located.variadic.push(source.locate(meta.buffer(start + 1 + own + k), budget));
  }
  return new Column(field, n, source, located, dictionary);
}

// Typed views of loaded buffers (each starts at a multiple of 8: see BufferSource.bytes).

export const i32 = (b: Uint8Array) => new Int32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
export const f64 = (b: Uint8Array) => new Float64Array(b.buffer, b.byteOffset, b.byteLength >> 3);
export const f32 = (b: Uint8Array) => new Float32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
export const u16 = (b: Uint8Array) => new Uint16Array(b.buffer, b.byteOffset, b.byteLength >> 1);

export function smallInts(b: Uint8Array, bits: number, signed: boolean): ArrayLike<number> {
  switch (bits) {
    case 8:
      return signed ? new Int8Array(b.buffer, b.byteOffset, b.byteLength) : b;
    case 16:
      return signed ? new Int16Array(b.buffer, b.byteOffset, b.byteLength >> 1) : u16(b);
    default:
      return signed ? i32(b) : new Uint32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
  }
}

/** The signed 64-bit integer at `i` of its two words, as the nearest double. */
export const int64 = (w: Int32Array, i: number) => w[2 * i + 1]! * TWO_32 + (w[2 * i]! >>> 0);
