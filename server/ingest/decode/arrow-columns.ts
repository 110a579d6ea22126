// The six event columns of an Arrow record batch, read from their buffers into the decoded batch:
// which Arrow types each column takes (and what a producer is told to send instead), the exact
// conversion of every accepted type, and the quoting of a row's fields as sent.
//
// Rules (README, "Arrow IPC"):
// - ts: a timestamp of any unit, with or without a zone (a naive timestamp is read as UTC), a date
//   (its UTC midnight), int64 or uint64 epoch milliseconds, or ISO 8601 text as in JSON; stored to
//   the microsecond, nanoseconds rounded to the nearest microsecond (halves up).
// - value: any integer, float or decimal. Integers (int64, uint64, and decimals of scale <= 0) that
//   a double cannot hold exactly are rejected (invalid_value); a decimal with a fraction becomes the
//   nearest double, as its digits written in JSON would; float16 and float32 are widened exactly.
// - strings: utf8, large_utf8, utf8_view, or binary of any kind read as UTF-8, plain or
//   dictionary-encoded with any integer index.
// - ts, value: also dictionary-encoded. A null-typed column is missing on every row.
import { MAX_ID_LENGTH } from '../../../shared/schemas/ingest.js';
import { ApiError, errors } from '../../errors.js';
import { BAD_INDEX, type DictColumn, MISSING, NumProblem, parseTimestamp, TOO_LONG } from '../batch.js';
import { cutField, describeValue, RAW_KEEP_BYTES } from '../raw.js';
import { type ArrowField, ArrowFormatError, type ArrowType } from './arrow-ipc.js';
import { CODEC_NAMES, decompress } from './arrow-compression.js';

const TWO_32 = 4294967296;
const MS_PER_DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Names and refusals

const UNIT_NAMES = { s: 's', ms: 'ms', us: 'us', ns: 'ns' } as const;

/** A type as a person writing the producer would recognise it (Arrow's own names). */
export function typeName(field: ArrowField, depth = 0): string {
  if (field.dictionary) {
    return `Dictionary<${typeName({ ...field, type: field.dictionary.index, dictionary: null }, depth)}, ${typeName({ ...field, dictionary: null }, depth)}>`;
  }
  const t = field.type;
  const child = (i: number) =>
    depth > 3 ? '…' : field.children[i] ? typeName(field.children[i]!, depth + 1) : '?';
  const children = () =>
    depth > 3
      ? '…'
      : field.children
          .slice(0, 6)
          .map((c) => `${c.name}: ${typeName(c, depth + 1)}`)
          .join(', ') + (field.children.length > 6 ? ', …' : '');
  switch (t.kind) {
    case 'null':
      return 'Null';
    case 'int':
      return `${t.signed ? 'Int' : 'Uint'}${t.bits}`;
    case 'float':
      return `Float${t.bits}`;
    case 'utf8':
      return 'Utf8';
    case 'largeUtf8':
      return 'LargeUtf8';
    case 'utf8View':
      return 'Utf8View';
    case 'binary':
      return 'Binary';
    case 'largeBinary':
      return 'LargeBinary';
    case 'binaryView':
      return 'BinaryView';
    case 'bool':
      return 'Bool';
    case 'fixedSizeBinary':
      return `FixedSizeBinary(${t.width})`;
    case 'decimal':
      return `Decimal${t.bits}(${t.precision}, ${t.scale})`;
    case 'date':
      return t.unit === 'day' ? 'Date32(day)' : 'Date64(ms)';
    case 'time':
      return `Time${t.bits}(${UNIT_NAMES[t.unit]})`;
    case 'timestamp':
      return t.timezone ? `Timestamp(${t.unit}, "${t.timezone}")` : `Timestamp(${t.unit})`;
    case 'duration':
      return `Duration(${t.unit})`;
    case 'interval':
      return `Interval(${t.unit})`;
    case 'list':
      return `List<${child(0)}>`;
    case 'largeList':
      return `LargeList<${child(0)}>`;
    case 'listView':
      return `ListView<${child(0)}>`;
    case 'largeListView':
      return `LargeListView<${child(0)}>`;
    case 'fixedSizeList':
      return `FixedSizeList(${t.size})<${child(0)}>`;
    case 'map':
      return `Map<${children()}>`;
    case 'struct':
      return `Struct<${children()}>`;
    case 'union':
      return `Union(${t.mode})<${children()}>`;
    case 'runEndEncoded':
      return `RunEndEncoded<${children()}>`;
    case 'unknown':
      return `an Arrow type unknown here (type id ${t.id})`;
  }
}

export type ColumnName = 'ts' | 'brand' | 'touchpoint' | 'source' | 'metric' | 'value';

const STRING_KINDS = new Set<ArrowType['kind']>([
  'utf8',
  'largeUtf8',
  'utf8View',
  'binary',
  'largeBinary',
  'binaryView',
  'fixedSizeBinary',
]);
const TEXT_KINDS = new Set<ArrowType['kind']>(['utf8', 'largeUtf8', 'utf8View']);
const NESTED_KINDS = new Set<ArrowType['kind']>([
  'list',
  'largeList',
  'listView',
  'largeListView',
  'fixedSizeList',
  'map',
  'struct',
  'union',
]);

const TS_TYPES =
  'pyarrow pa.timestamp("ms", tz="UTC") (pc.cast(col, pa.timestamp("ms"))), polars pl.col("ts").cast(pl.Datetime("ms", "UTC")), arrow-js new TimestampMillisecond()';
const HINT_TS = `Send ts as a timestamp: ${TS_TYPES}; or as int64 epoch milliseconds, or ISO 8601 text with an offset.`;
const hintString = (name: string) =>
  `Send "${name}" as text: pyarrow pa.string() (pc.cast(col, pa.string())), polars pl.col("${name}").cast(pl.Utf8) (or pl.Categorical), arrow-js new Utf8() or a Dictionary of Utf8.`;
const HINT_VALUE =
  'Send value as a number: pyarrow pa.float64() (pc.cast(col, pa.float64())), polars pl.col("value").cast(pl.Float64), arrow-js new Float64(); integers and decimals are taken too.';
const HINT_NESTED =
  'Send one plain column per field: flatten it first (pyarrow pc.struct_field / pc.list_flatten, polars .struct.unnest() / .explode()).';
const HINT_REE =
  'Decode it first (pyarrow pc.run_end_decode(col)), or dictionary-encode it instead (col.dictionary_encode()).';

function refuse(batch: number, name: string, field: ArrowField, why: string, hint: string): never {
  throw errors.malformedBody(`Record batch ${batch}: column "${name}" is ${typeName(field)}, ${why}.`, hint);
}

/** Throws the 400 for a column of a type its field can never take. */
export function checkColumn(batch: number, name: ColumnName, field: ArrowField): void {
  const values: ArrowField = field.dictionary ? { ...field, dictionary: null } : field;
  const kind = values.type.kind;
  if (field.dictionary && kind === 'null') {
    refuse(batch, name, field, 'a dictionary of nulls', 'Send the column without a dictionary.');
  }
  if (NESTED_KINDS.has(kind)) {
    refuse(
      batch,
      name,
      field,
      `a nested type, not a plain ${name === 'value' ? 'number' : name === 'ts' ? 'timestamp' : 'string'}`,
      HINT_NESTED,
    );
  }
  if (kind === 'runEndEncoded')
    refuse(batch, name, field, 'run-end encoded, which this server does not decode', HINT_REE);
  if (kind === 'unknown')
    refuse(
      batch,
      name,
      field,
      'which this server cannot read',
      name === 'ts' ? HINT_TS : name === 'value' ? HINT_VALUE : hintString(name),
    );
  if (name === 'ts') return checkTs(batch, field, values.type);
  if (name === 'value') return checkValue(batch, field, values.type);
  if (kind === 'null' || STRING_KINDS.has(kind)) return;
  refuse(batch, name, field, 'a type that never holds text', hintString(name));
}

function checkTs(batch: number, field: ArrowField, t: ArrowType): void {
  switch (t.kind) {
    case 'null':
    case 'timestamp':
    case 'date':
      return;
    case 'int':
      if (t.bits === 64) return;
      return refuse(
        batch,
        'ts',
        field,
        `which cannot hold epoch milliseconds of this era (epoch seconds, perhaps?)`,
        'Send epoch seconds as a timestamp in seconds: pyarrow pc.cast(pc.cast(col, pa.int64()), pa.timestamp("s")), polars pl.from_epoch("ts", time_unit="s"); or epoch milliseconds as int64 (pa.int64(), pl.Int64).',
      );
    case 'float':
      return refuse(
        batch,
        'ts',
        field,
        'not a timestamp or int64 epoch milliseconds',
        `Send epoch milliseconds as int64 (pyarrow pc.cast(col, pa.int64()), polars .cast(pl.Int64)), or ts as a timestamp: ${TS_TYPES}.`,
      );
    case 'time':
      return refuse(
        batch,
        'ts',
        field,
        'a time of day, not an instant',
        'Combine it with its date into a timestamp: polars pl.col("date").dt.combine(pl.col("time")), pyarrow a pa.timestamp column built from both.',
      );
    case 'duration':
    case 'interval':
      return refuse(batch, 'ts', field, 'a length of time, not an instant', HINT_TS);
    default:
      if (TEXT_KINDS.has(t.kind)) return;
      return refuse(batch, 'ts', field, 'not a timestamp', HINT_TS);
  }
}

function checkValue(batch: number, field: ArrowField, t: ArrowType): void {
  switch (t.kind) {
    case 'null':
    case 'int':
    case 'float':
      return;
    case 'decimal':
      if (t.bits === 32 || t.bits === 64 || t.bits === 128 || t.bits === 256) return;
      return refuse(
        batch,
        'value',
        field,
        `a decimal of ${t.bits} bits, which Arrow does not define`,
        HINT_VALUE,
      );
    case 'bool':
      return refuse(
        batch,
        'value',
        field,
        'not a number',
        'Send value as a number: pyarrow pc.cast(col, pa.int8()), polars pl.col("value").cast(pl.Int8).',
      );
    case 'timestamp':
    case 'date':
    case 'time':
    case 'duration':
    case 'interval':
      return refuse(
        batch,
        'value',
        field,
        'a time, not a number',
        'Send the number of units the metric counts: pyarrow pc.cast(col, pa.int64()) / pc.divide(...), polars .dt.total_seconds() or .cast(pl.Float64).',
      );
    default:
      return refuse(batch, 'value', field, 'not a number', HINT_VALUE);
  }
}

// ---------------------------------------------------------------------------------------------
// Column buffers

export interface Region {
  offset: number;
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

const readInt64 = (b: Uint8Array, p: number) =>
  new DataView(b.buffer, b.byteOffset + p, 8).getInt32(4, true) * TWO_32 +
  new DataView(b.buffer, b.byteOffset + p, 8).getUint32(0, true);

/** Where a column's buffers lie in its message body, and how to turn them into bytes. */
export class BufferSource {
  constructor(
    private readonly body: Uint8Array,
    readonly codec: number | null,
    private readonly where: string,
  ) {
    if (codec !== null && CODEC_NAMES[codec] === undefined) {
      throw new ArrowFormatError(
        `its buffers are compressed with codec ${codec}, neither LZ4_FRAME nor ZSTD`,
      );
    }
  }

  private check(region: Region): void {
    if (region.offset + region.length > this.body.length) {
      throw new ArrowFormatError('a buffer lies outside its message body');
    }
  }

  /** The bytes the buffer holds once decompressed; counts them against the budget. */
  size(region: Region, budget: Budget): number {
    this.check(region);
    if (this.codec === null || region.length === 0) return region.length;
    if (region.length < 8)
      throw new ArrowFormatError('a compressed buffer is shorter than its length prefix');
    const declared = readInt64(this.body, region.offset);
    if (declared === -1) return region.length - 8;
    if (!(declared >= 0 && declared <= Number.MAX_SAFE_INTEGER)) {
      throw new ArrowFormatError(`a compressed buffer declares ${declared} bytes`);
    }
    budget.take(declared, this.where);
    return declared;
  }

  /** The buffer's bytes, decompressed, starting at an offset that is a multiple of 8. */
  bytes(region: Region, size: number): Uint8Array {
    let view = this.body.subarray(region.offset, region.offset + region.length);
    if (this.codec !== null && region.length > 0) {
      const rest = view.subarray(8);
      if (size !== rest.length || readInt64(view, 0) !== -1) return decompress(this.codec, rest, size);
      view = rest;
    }
    return view.byteOffset % 8 === 0 ? view : new Uint8Array(view);
  }
}

export interface DictChain {
  id: number;
  /** The dictionary's values: the field as if not dictionary-encoded. */
  field: ArrowField;
  parts: Column[];
  length: number;
  /** Per-reader caches of the dictionary's decoded entries, keyed by what they serve. */
  cache: Map<unknown, DecodedEntries>;
}

interface DecodedEntries {
  length: number;
  codes?: Int32Array;
  values?: Float64Array;
  problems?: Uint8Array;
}

export interface DictSnapshot {
  chain: DictChain;
  /** Entries sent before this batch (later deltas are not its own). */
  length: number;
}

export interface ColumnRegions {
  validity: Region | null;
  buffers: Region[];
  variadic: Region[];
  sizes: number[];
  variadicSizes: number[];
  validitySize: number;
}

/** One column of one batch (or one dictionary part): its field, its rows, its buffers once loaded. */
export class Column {
  validity: Uint8Array | null = null;
  buffers: Uint8Array[] = [];
  variadic: Uint8Array[] = [];
  private loaded = false;

  constructor(
    readonly field: ArrowField,
    readonly length: number,
    readonly nullCount: number,
    private readonly source: BufferSource,
    private readonly regions: ColumnRegions,
    readonly dictionary: DictSnapshot | null,
  ) {}

  load(): this {
    if (this.loaded) return this;
    const r = this.regions;
    if (this.nullCount > 0 && r.validity && r.validitySize > 0) {
      this.validity = this.source.bytes(r.validity, r.validitySize);
    }
    this.buffers = r.buffers.map((region, k) => this.source.bytes(region, r.sizes[k]!));
    this.variadic = r.variadic.map((region, k) => this.source.bytes(region, r.variadicSizes[k]!));
    this.loaded = true;
    return this;
  }

  isValid(i: number): boolean {
    if (this.field.type.kind === 'null' && !this.field.dictionary) return false;
    const v = this.validity;
    return v === null || ((v[i >> 3]! >> (i & 7)) & 1) === 1;
  }
}

/** Bytes a column's own buffers must hold for `n` rows (checked before anything is allocated). */
export function requiredSizes(field: ArrowField, n: number): { buffers: number[]; views: boolean } {
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

// ---------------------------------------------------------------------------------------------
// Typed views (every buffer starts at a multiple of 8: see BufferSource.bytes)

const i32 = (b: Uint8Array) => new Int32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
const f64 = (b: Uint8Array) => new Float64Array(b.buffer, b.byteOffset, b.byteLength >> 3);
const f32 = (b: Uint8Array) => new Float32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
const u16 = (b: Uint8Array) => new Uint16Array(b.buffer, b.byteOffset, b.byteLength >> 1);

function smallInts(b: Uint8Array, bits: number, signed: boolean): ArrayLike<number> {
  switch (bits) {
    case 8:
      return signed ? new Int8Array(b.buffer, b.byteOffset, b.byteLength) : b;
    case 16:
      return signed ? new Int16Array(b.buffer, b.byteOffset, b.byteLength >> 1) : u16(b);
    default:
      return signed ? i32(b) : new Uint32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
  }
}

function half(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** The 64-bit integer at `i` exactly, as a BigInt (quoting and the rare inexact cases only). */
function big64(words: Int32Array, i: number, signed: boolean): bigint {
  const v = (BigInt(words[2 * i + 1]! >>> 0) << 32n) | BigInt(words[2 * i]! >>> 0);
  return signed ? BigInt.asIntN(64, v) : v;
}

function bigDecimal(words: Int32Array, stride: number, i: number, bits: number): bigint {
  let v = 0n;
  for (let k = stride - 1; k >= 0; k--) v = (v << 32n) | BigInt(words[i * stride + k]! >>> 0);
  return BigInt.asIntN(bits, v);
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** A decimal's exact text: its digits with the point `scale` places from the right. */
function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  let text: string;
  if (scale <= 0)
    text =
      scale === 0 || unscaled === 0n
        ? digits
        : scale >= -40
          ? digits + '0'.repeat(-scale)
          : `${digits}e${-scale}`;
  else if (scale > 40) text = `${digits}e-${scale}`;
  else if (digits.length > scale)
    text = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  else text = `0.${'0'.repeat(scale - digits.length)}${digits}`;
  return negative ? `-${text}` : text;
}

/** The nearest double of unscaled × 10^-scale, and whether an integer (scale <= 0) was inexact. */
function decimalNumber(unscaled: bigint, scale: number): { n: number; inexact: boolean } {
  const n = Number(`${unscaled}e${-scale}`);
  if (scale > 0 || !Number.isFinite(n) || Math.abs(n) <= Number.MAX_SAFE_INTEGER)
    return { n, inexact: false };
  return { n, inexact: -scale > 400 || BigInt(n) !== unscaled * 10n ** BigInt(-scale) };
}

// ---------------------------------------------------------------------------------------------
// Numbers: ts and value

const NONE = NumProblem.None;
const INVALID = NumProblem.Invalid;
const MISSING_NUM = NumProblem.Missing;

/** Writes a column of numbers (value, or ts as epoch ms) into out/problems at `at`. */
type NumberFill = (col: Column, out: Float64Array, problems: Uint8Array, at: number) => void;

function markNulls(col: Column, out: Float64Array, problems: Uint8Array, at: number): void {
  if (col.validity === null && !(col.field.type.kind === 'null')) return;
  for (let i = 0; i < col.length; i++) {
    if (!col.isValid(i)) {
      out[at + i] = NaN;
      problems[at + i] = MISSING_NUM;
    }
  }
}

const fillValueColumn: NumberFill = (col, out, problems, at) => {
  const n = col.length;
  const t = col.field.type;
  if (col.field.dictionary) return gather(col, out, problems, at, fillValueColumn);
  if (t.kind === 'null') {
    out.fill(NaN, at, at + n);
    problems.fill(MISSING_NUM, at, at + n);
    return;
  }
  const data = col.buffers[0]!;
  if (t.kind === 'float') {
    if (t.bits === 64) out.set(f64(data).subarray(0, n), at);
    else if (t.bits === 32) out.set(f32(data).subarray(0, n), at);
    else {
      const h = u16(data);
      for (let i = 0; i < n; i++) out[at + i] = half(h[i]!);
    }
    for (let i = 0; i < n; i++) {
      const x = out[at + i]!;
      problems[at + i] = x - x === 0 ? NONE : INVALID;
    }
  } else if (t.kind === 'int' && t.bits < 64) {
    const v = smallInts(data, t.bits, t.signed);
    for (let i = 0; i < n; i++) out[at + i] = v[i]!;
    problems.fill(NONE, at, at + n);
  } else if (t.kind === 'int') {
    const w = i32(data);
    for (let i = 0; i < n; i++) {
      const hi = t.signed ? w[2 * i + 1]! : w[2 * i + 1]! >>> 0;
      const x = hi * TWO_32 + (w[2 * i]! >>> 0);
      out[at + i] = x;
      problems[at + i] =
        hi >= -0x200000 && hi < 0x200000
          ? NONE
          : BigInt(x) === big64(w, i, t.signed)
            ? NONE
            : NumProblem.Inexact;
    }
  } else if (t.kind === 'decimal') {
    const w = i32(data);
    const stride = t.bits / 32;
    const scale = t.scale;
    const fast = scale >= -22 && scale <= 22;
    const divide = scale > 0;
    const p = POW10[Math.abs(scale)] ?? 1;
    for (let i = 0; i < n; i++) {
      const base = i * stride;
      let exact = stride === 1;
      let u = w[base]!;
      if (!exact) {
        const hi = w[base + 1]!;
        exact = hi >= -0x200000 && hi < 0x200000;
        const ext = hi < 0 ? -1 : 0;
        for (let k = 2; exact && k < stride; k++) exact = w[base + k] === ext;
        if (exact) u = hi * TWO_32 + (w[base]! >>> 0);
      }
      if (exact && fast) {
        // Both operands are exact doubles: one correctly rounded operation is the nearest double.
        const x = divide ? u / p : u * p;
        if (divide || Math.abs(x) <= Number.MAX_SAFE_INTEGER) {
          out[at + i] = x;
          problems[at + i] = NONE;
          continue;
        }
      }
      const { n: x, inexact } = decimalNumber(bigDecimal(w, stride, i, t.bits), scale);
      out[at + i] = x;
      problems[at + i] = inexact ? NumProblem.Inexact : NONE;
    }
  } else {
    throw new ArrowFormatError(`value of type ${typeName(col.field)} is not read here`);
  }
  markNulls(col, out, problems, at);
};

/** Epoch ms of a timestamp in `unit`, from its two 32-bit words; ns rounded to the µs first. */
function instant(lo: number, hi: number, unit: string): number {
  switch (unit) {
    case 's':
      return (hi * TWO_32 + lo) * 1000;
    case 'ms':
      return hi * TWO_32 + lo;
    case 'us':
      return (hi * TWO_32 + lo) / 1000;
    default: {
      // ns = 1000 × (hi × 4294967 + ⌊t / 1000⌋) + (t mod 1000), t = hi × 296 + lo: exact in doubles.
      const t = hi * 296 + lo;
      const q = Math.floor(t / 1000);
      const micros = hi * 4294967 + q + (t - q * 1000 >= 500 ? 1 : 0);
      return micros / 1000;
    }
  }
}

const fillTsColumn: NumberFill = (col, out, problems, at) => {
  const n = col.length;
  const t = col.field.type;
  if (col.field.dictionary) return gather(col, out, problems, at, fillTsColumn);
  if (t.kind === 'null') {
    out.fill(NaN, at, at + n);
    problems.fill(MISSING_NUM, at, at + n);
    return;
  }
  if (TEXT_KINDS.has(t.kind)) {
    let last = '';
    let lastMs = NaN;
    forEachText(col, (i, bytes, s, e) => {
      if (s === e) {
        out[at + i] = NaN;
        problems[at + i] = MISSING_NUM;
        return;
      }
      const text = utf8(bytes, s, e);
      if (text !== last) {
        last = text;
        lastMs = parseTimestamp(text);
      }
      out[at + i] = lastMs;
      problems[at + i] = Number.isFinite(lastMs) ? NONE : INVALID;
    });
    markNulls(col, out, problems, at);
    return;
  }
  const data = col.buffers[0]!;
  if (t.kind === 'date' && t.unit === 'day') {
    const days = i32(data);
    for (let i = 0; i < n; i++) out[at + i] = days[i]! * MS_PER_DAY;
  } else {
    const w = i32(data);
    const unit = t.kind === 'timestamp' ? t.unit : 'ms';
    const unsigned = t.kind === 'int' && !t.signed;
    if (unit === 'ms' && !unsigned) {
      for (let i = 0; i < n; i++) out[at + i] = w[2 * i + 1]! * TWO_32 + (w[2 * i]! >>> 0);
    } else {
      for (let i = 0; i < n; i++) {
        const hi = unsigned ? w[2 * i + 1]! >>> 0 : w[2 * i + 1]!;
        out[at + i] = instant(w[2 * i]! >>> 0, hi, unit);
      }
    }
  }
  problems.fill(NONE, at, at + n);
  markNulls(col, out, problems, at);
};

export const fillValue = (col: Column, out: Float64Array, problems: Uint8Array, at: number) =>
  fillValueColumn(col, out, problems, at);
export const fillTs = (col: Column, out: Float64Array, problems: Uint8Array, at: number) =>
  fillTsColumn(col, out, problems, at);

/** Decoded entries of a dictionary snapshot, extended as deltas arrive, kept per chain. */
function numericEntries(snapshot: DictSnapshot, key: NumberFill): DecodedEntries {
  const chain = snapshot.chain;
  let entries = chain.cache.get(key);
  if (!entries || entries.length < snapshot.length) {
    const values = new Float64Array(chain.length);
    const problems = new Uint8Array(chain.length);
    let at = 0;
    for (const part of chain.parts) {
      key(part.load(), values, problems, at);
      at += part.length;
    }
    entries = { length: chain.length, values, problems };
    chain.cache.set(key, entries);
  }
  return entries;
}

function indices(col: Column): (i: number) => number {
  const index = col.field.dictionary!.index;
  const data = col.buffers[0]!;
  if (index.bits < 64) {
    const v = smallInts(data, index.bits, index.signed);
    return (i) => v[i]!;
  }
  const w = i32(data);
  // An index past 2^31 is past any dictionary: -1 stands for it.
  return (i) => (w[2 * i + 1] === 0 && w[2 * i]! >= 0 ? w[2 * i]! : -1);
}

function gather(col: Column, out: Float64Array, problems: Uint8Array, at: number, key: NumberFill): void {
  const snapshot = col.dictionary!;
  const { values, problems: entryProblems } = numericEntries(snapshot, key);
  const index = indices(col);
  const length = snapshot.length;
  for (let i = 0; i < col.length; i++) {
    const k = index(i);
    if (!col.isValid(i)) {
      out[at + i] = NaN;
      problems[at + i] = MISSING_NUM;
    } else if (k >= 0 && k < length) {
      out[at + i] = values![k]!;
      problems[at + i] = entryProblems![k]!;
    } else {
      out[at + i] = NaN;
      problems[at + i] = NumProblem.BadIndex;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Strings

const TEXT = new TextDecoder();

function utf8(bytes: Uint8Array, s: number, e: number): string {
  if (e - s <= 24) {
    let ascii = true;
    for (let k = s; k < e; k++) {
      if (bytes[k]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(s, e) as unknown as number[]);
  }
  return TEXT.decode(bytes.subarray(s, e));
}

/** UTF-8 of at most this many bytes can hold MAX_ID_LENGTH UTF-16 units (3 bytes make one at least). */
const MAX_ID_BYTES = 3 * MAX_ID_LENGTH;

/**
 * Codes of one string field, cached by their bytes: a value seen before costs a hash and a
 * compare, not a decode and a Map lookup. Bounded (4096 distinct values); past it, plain decoding.
 */
export class StringCodes {
  private readonly slots = new Int32Array(1 << 13);
  private starts = new Int32Array(256);
  private lengths = new Int32Array(256);
  private codes = new Int32Array(256);
  private pool = new Uint8Array(8192);
  private used = 0;
  private count = 0;

  constructor(readonly column: DictColumn) {}

  code(bytes: Uint8Array, s: number, e: number): number {
    const length = e - s;
    if (length === 0) return MISSING;
    if (length > MAX_ID_BYTES) return TOO_LONG;
    let h = 0x811c9dc5;
    for (let k = s; k < e; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
    const mask = this.slots.length - 1;
    let slot = h & mask;
    for (;;) {
      const entry = this.slots[slot]! - 1;
      if (entry < 0) break;
      if (this.lengths[entry] === length) {
        const start = this.starts[entry]!;
        let same = true;
        for (let k = 0; k < length; k++) {
          if (this.pool[start + k] !== bytes[s + k]) {
            same = false;
            break;
          }
        }
        if (same) return this.codes[entry]!;
      }
      slot = (slot + 1) & mask;
    }
    const code = this.column.code(utf8(bytes, s, e));
    if (this.count < 4096) this.remember(slot, bytes, s, length, code);
    return code;
  }

  private remember(slot: number, bytes: Uint8Array, s: number, length: number, code: number): void {
    if (this.count === this.starts.length) {
      const grow = (a: Int32Array) => {
        const next = new Int32Array(a.length * 2);
        next.set(a);
        return next;
      };
      this.starts = grow(this.starts);
      this.lengths = grow(this.lengths);
      this.codes = grow(this.codes);
    }
    if (this.used + length > this.pool.length) {
      const next = new Uint8Array(Math.max(this.pool.length * 2, this.used + length));
      next.set(this.pool);
      this.pool = next;
    }
    this.pool.set(bytes.subarray(s, s + length), this.used);
    const entry = this.count++;
    this.starts[entry] = this.used;
    this.lengths[entry] = length;
    this.codes[entry] = code;
    this.used += length;
    this.slots[slot] = entry + 1;
  }
}

const BROKEN_OFFSETS = () => new ArrowFormatError('its string offsets point outside the string data');

/** Calls `fn` with the bytes of every valid row in [from, to) of a string column (nulls skipped). */
function forEachText(
  col: Column,
  fn: (i: number, bytes: Uint8Array, s: number, e: number) => void,
  from = 0,
  to = col.length,
): void {
  const t = col.field.type;
  const nulls = col.validity !== null;
  if (t.kind === 'utf8' || t.kind === 'binary') {
    const offsets = i32(col.buffers[0]!);
    const data = col.buffers[1]!;
    for (let i = from; i < to; i++) {
      if (nulls && !col.isValid(i)) continue;
      const s = offsets[i]!;
      const e = offsets[i + 1]!;
      if (!(s >= 0 && s <= e && e <= data.length)) throw BROKEN_OFFSETS();
      fn(i, data, s, e);
    }
  } else if (t.kind === 'largeUtf8' || t.kind === 'largeBinary') {
    const w = i32(col.buffers[0]!);
    const data = col.buffers[1]!;
    for (let i = from; i < to; i++) {
      if (nulls && !col.isValid(i)) continue;
      if (w[2 * i + 1] !== 0 || w[2 * i + 3] !== 0) throw BROKEN_OFFSETS();
      const s = w[2 * i]!;
      const e = w[2 * i + 2]!;
      if (!(s >= 0 && s <= e && e <= data.length)) throw BROKEN_OFFSETS();
      fn(i, data, s, e);
    }
  } else if (t.kind === 'utf8View' || t.kind === 'binaryView') {
    const viewBytes = col.buffers[0]!;
    const views = i32(viewBytes);
    for (let i = from; i < to; i++) {
      if (nulls && !col.isValid(i)) continue;
      const length = views[4 * i]!;
      if (length >= 0 && length <= 12) {
        const s = 16 * i + 4;
        fn(i, viewBytes, s, s + length);
        continue;
      }
      const data = col.variadic[views[4 * i + 2]!];
      const s = views[4 * i + 3]!;
      if (!data || !(length > 0 && s >= 0 && s + length <= data.length)) {
        throw new ArrowFormatError('its string views point outside their data buffers');
      }
      fn(i, data, s, s + length);
    }
  } else if (t.kind === 'fixedSizeBinary') {
    const data = col.buffers[0]!;
    const w = t.width;
    for (let i = from; i < to; i++) {
      if (nulls && !col.isValid(i)) continue;
      fn(i, data, i * w, i * w + w);
    }
  } else {
    throw new ArrowFormatError(`a string of type ${typeName(col.field)} is not read here`);
  }
}

/** Writes the codes of a string column into `out` at `at`. */
export function fillStrings(col: Column, codes: StringCodes, out: Int32Array, at: number): void {
  const n = col.length;
  if (col.field.dictionary) {
    const snapshot = col.dictionary!;
    const entries = stringEntries(snapshot, codes);
    const length = snapshot.length;
    const index = col.field.dictionary.index;
    const data = col.buffers[0]!;
    const nulls = col.validity !== null;
    if (index.bits < 64) {
      const v = smallInts(data, index.bits, index.signed);
      for (let i = 0; i < n; i++) {
        const k = v[i]!;
        out[at + i] = nulls && !col.isValid(i) ? MISSING : k >= 0 && k < length ? entries[k]! : BAD_INDEX;
      }
    } else {
      const w = i32(data);
      for (let i = 0; i < n; i++) {
        const k = w[2 * i]!;
        out[at + i] =
          nulls && !col.isValid(i)
            ? MISSING
            : w[2 * i + 1] === 0 && k >= 0 && k < length
              ? entries[k]!
              : BAD_INDEX;
      }
    }
    return;
  }
  if (col.field.type.kind === 'null') {
    out.fill(MISSING, at, at + n);
    return;
  }
  if (col.validity !== null) out.fill(MISSING, at, at + n);
  forEachText(col, (i, bytes, s, e) => {
    out[at + i] = codes.code(bytes, s, e);
  });
}

function stringEntries(snapshot: DictSnapshot, codes: StringCodes): Int32Array {
  const chain = snapshot.chain;
  let entries = chain.cache.get(codes);
  if (!entries || entries.length < snapshot.length) {
    // Entries already mapped stay: deltas only append.
    const next = new Int32Array(chain.length);
    let at = 0;
    for (const part of chain.parts) {
      if (entries && at + part.length <= entries.length)
        next.set(entries.codes!.subarray(at, at + part.length), at);
      else fillStrings(part.load(), codes, next, at);
      at += part.length;
    }
    entries = { length: chain.length, codes: next };
    chain.cache.set(codes, entries);
  }
  return entries.codes!;
}

// ---------------------------------------------------------------------------------------------
// Quoting one field of one row as sent (rejected rows only: slow paths are fine)

/** A dictionary index at row i, or null when the column is not dictionary-encoded. */
function indexAt(col: Column, i: number): bigint | null {
  const index = col.field.dictionary?.index;
  if (!index) return null;
  const data = col.buffers[0]!;
  if (index.bits < 64) return BigInt(smallInts(data, index.bits, index.signed)[i]!);
  return big64(i32(data), i, index.signed);
}

/** The dictionary part and row holding entry k. */
function entryAt(snapshot: DictSnapshot, k: number): [Column, number] | null {
  if (!(k >= 0 && k < snapshot.length)) return null;
  for (const part of snapshot.chain.parts) {
    if (k < part.length) return [part.load(), k];
    k -= part.length;
  }
  return null;
}

/** Follows a dictionary-encoded row to its entry; a string when the index is out of range. */
function resolve(col: Column, i: number): [Column, number] | string {
  const k = indexAt(col, i);
  if (k === null) return [col, i];
  const snapshot = col.dictionary!;
  const found = k <= BigInt(Number.MAX_SAFE_INTEGER) ? entryAt(snapshot, Number(k)) : null;
  return found ?? `dictionary index ${k} (of ${snapshot.length} entries)`;
}

function textAt(col: Column, i: number): [Uint8Array, number, number] | null {
  let found: [Uint8Array, number, number] | null = null;
  if (!col.isValid(i)) return null;
  forEachText(
    col,
    (_, bytes, s, e) => {
      found = [bytes, s, e];
    },
    i,
    i + 1,
  );
  return found;
}

const QUOTE_BYTES = 4 * 80;

function quoteText(bytes: Uint8Array, s: number, e: number): string {
  if (e - s <= QUOTE_BYTES) return describeValue(utf8(bytes, s, e));
  const text = TEXT.decode(bytes.subarray(s, s + QUOTE_BYTES));
  return `${JSON.stringify(text.slice(0, 80))}… (${e - s} bytes)`;
}

/** Text of a string field as sent, cut for the quarantine (null: null or out of its dictionary). */
export function rawString(col: Column, i: number): string | null {
  const at = resolve(col, i);
  if (typeof at === 'string') return null;
  const [c, j] = at;
  const found = c.field.type.kind === 'null' ? null : textAt(c, j);
  if (!found) return null;
  const [bytes, s, e] = found;
  return cutField(TEXT.decode(bytes.subarray(s, Math.min(e, s + 3 * RAW_KEEP_BYTES))));
}

export function describeString(col: Column, i: number): string {
  const at = resolve(col, i);
  if (typeof at === 'string') return at;
  const [c, j] = at;
  const found = c.field.type.kind === 'null' ? null : textAt(c, j);
  return found ? quoteText(...found) : 'null';
}

/** The number a numeric row holds, exactly as sent: digits, decimal text, NaN, Infinity. */
function numberText(col: Column, i: number): string | null {
  const t = col.field.type;
  if (!col.isValid(i) || t.kind === 'null') return null;
  const data = col.buffers[0]!;
  switch (t.kind) {
    case 'float':
      return String(t.bits === 64 ? f64(data)[i] : t.bits === 32 ? f32(data)[i] : half(u16(data)[i]!));
    case 'int':
      return t.bits < 64
        ? String(smallInts(data, t.bits, t.signed)[i])
        : big64(i32(data), i, t.signed).toString();
    case 'decimal':
      return decimalText(bigDecimal(i32(data), t.bits / 32, i, t.bits), t.scale);
    case 'timestamp':
      return big64(i32(data), i, true).toString();
    case 'date':
      return t.unit === 'day' ? String(i32(data)[i]) : big64(i32(data), i, true).toString();
    default: {
      const found = textAt(col, i);
      return found ? utf8(...found) : null;
    }
  }
}

/** A numeric field as sent, for a message: "NaN", "9007199254740993 (Int64)", "dictionary index 5 (of 3 entries)". */
export function describeNumber(col: Column, i: number): string {
  const at = resolve(col, i);
  if (typeof at === 'string') return at;
  const [c, j] = at;
  if (TEXT_KINDS.has(c.field.type.kind)) {
    const found = textAt(c, j);
    return found ? quoteText(...found) : 'null';
  }
  const text = numberText(c, j);
  if (text === null) return 'null';
  if (c.field.type.kind === 'float') return text;
  return `${text} (${typeName(c.field)})`;
}

/** A value as a JSON literal for the quarantine: the number as sent, or a string for NaN/Infinity. */
export function rawValue(col: Column, i: number): string {
  const at = resolve(col, i);
  if (typeof at === 'string') return 'null';
  const [c, j] = at;
  const text = numberText(c, j);
  if (text === null) return 'null';
  return c.field.type.kind === 'float' && !Number.isFinite(Number(text)) ? JSON.stringify(text) : text;
}

/**
 * A ts as a JSON literal for the quarantine: ISO 8601 (to the µs) when it is a date; text as sent;
 * otherwise its epoch milliseconds, which a replay rejects again as it did here.
 */
export function rawTs(col: Column, i: number, ms: number, problem: number): string {
  if (problem === MISSING_NUM) return 'null';
  if (problem === NONE && Math.abs(ms) <= 8.64e15) return JSON.stringify(isoMicros(ms));
  const at = resolve(col, i);
  if (typeof at === 'string') return 'null';
  const [c, j] = at;
  if (TEXT_KINDS.has(c.field.type.kind)) {
    const found = textAt(c, j);
    return found ? JSON.stringify(cutField(utf8(...found))) : 'null';
  }
  return Number.isFinite(ms) ? String(ms) : 'null';
}

export function isoMicros(ms: number): string {
  const micros = Math.round(ms * 1000);
  const whole = Math.floor(micros / 1000);
  const iso = new Date(whole).toISOString();
  const rest = micros - whole * 1000;
  return rest === 0 ? iso : `${iso.slice(0, -1)}${String(rest).padStart(3, '0')}Z`;
}
