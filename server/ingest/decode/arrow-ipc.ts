// A bounded reader of the Arrow IPC stream format (and of the file format's messages): the
// FlatBuffers metadata of each message read with every offset checked against its buffer, the
// schema as plain objects with the layout of each column (its field nodes, buffers and variadic
// buffers), record batches and dictionary batches located but not decoded. Decoding is left to
// the columns that are read: the other columns of a stream cost nothing, whatever their type,
// and a crafted message can neither read outside the body nor make the reader loop or allocate.

/** A stream that cannot be read; the decoder turns it into a 400 naming where it failed. */
export class ArrowFormatError extends Error {}

const fail = (message: string): never => {
  throw new ArrowFormatError(message);
};

const TWO_32 = 4294967296;

/** FlatBuffers tables of one message's metadata; any read outside the bytes throws. */
class Fb {
  private readonly view: DataView;
  readonly length: number;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.length = bytes.byteLength;
  }

  private check(p: number, n: number): void {
    if (!(p >= 0 && p + n <= this.length)) fail('its metadata points outside the message');
  }

  u8(p: number): number {
    this.check(p, 1);
    return this.view.getUint8(p);
  }
  i16(p: number): number {
    this.check(p, 2);
    return this.view.getInt16(p, true);
  }
  u16(p: number): number {
    this.check(p, 2);
    return this.view.getUint16(p, true);
  }
  i32(p: number): number {
    this.check(p, 4);
    return this.view.getInt32(p, true);
  }
  u32(p: number): number {
    this.check(p, 4);
    return this.view.getUint32(p, true);
  }
  /** A signed 64-bit integer as a double (exact below 2^53). */
  i64(p: number): number {
    this.check(p, 8);
    return this.view.getInt32(p + 4, true) * TWO_32 + this.view.getUint32(p, true);
  }

  root(): number {
    return this.u32(0);
  }

  /** The position of field `slot` of the table at `t`, or -1 when the field is absent. */
  field(t: number, slot: number): number {
    const vtable = t - this.i32(t);
    const vtableSize = this.u16(vtable);
    const at = 4 + 2 * slot;
    if (at + 2 > vtableSize) return -1;
    const offset = this.u16(vtable + at);
    return offset === 0 ? -1 : t + offset;
  }

  /** The table that field `slot` points to, or -1. */
  table(t: number, slot: number): number {
    const p = this.field(t, slot);
    return p < 0 ? -1 : p + this.u32(p);
  }

  /** Field `slot` as a vector of `size`-byte elements: its first element and its length. */
  vector(t: number, slot: number, size: number): { start: number; length: number } {
    const p = this.field(t, slot);
    if (p < 0) return { start: 0, length: 0 };
    const at = p + this.u32(p);
    const length = this.u32(at);
    this.check(at + 4, length * size);
    return { start: at + 4, length };
  }

  /** The table at index `i` of a vector of tables. */
  tableAt(start: number, i: number): number {
    const p = start + 4 * i;
    return p + this.u32(p);
  }

  string(t: number, slot: number): string | null {
    const { start, length } = this.vector(t, slot, 1);
    if (this.field(t, slot) < 0) return null;
    return DECODER.decode(this.bytes.subarray(start, start + length));
  }

  scalarU8(t: number, slot: number, fallback: number): number {
    const p = this.field(t, slot);
    return p < 0 ? fallback : this.u8(p);
  }
  scalarI16(t: number, slot: number, fallback: number): number {
    const p = this.field(t, slot);
    return p < 0 ? fallback : this.i16(p);
  }
  scalarI32(t: number, slot: number, fallback: number): number {
    const p = this.field(t, slot);
    return p < 0 ? fallback : this.i32(p);
  }
  scalarI64(t: number, slot: number, fallback: number): number {
    const p = this.field(t, slot);
    return p < 0 ? fallback : this.i64(p);
  }
  bool(t: number, slot: number): boolean {
    return this.scalarU8(t, slot, 0) !== 0;
  }
}

const DECODER = new TextDecoder();

// ---------------------------------------------------------------------------------------------
// Types

export type TimeUnitName = 's' | 'ms' | 'us' | 'ns';
const TIME_UNITS: TimeUnitName[] = ['s', 'ms', 'us', 'ns'];

export interface IntType {
  kind: 'int';
  bits: 8 | 16 | 32 | 64;
  signed: boolean;
}

export type ArrowType =
  | { kind: 'null' }
  | IntType
  | { kind: 'float'; bits: 16 | 32 | 64 }
  | { kind: 'utf8' | 'largeUtf8' | 'utf8View' | 'binary' | 'largeBinary' | 'binaryView' | 'bool' }
  | { kind: 'fixedSizeBinary'; width: number }
  | { kind: 'decimal'; precision: number; scale: number; bits: number }
  | { kind: 'date'; unit: 'day' | 'ms' }
  | { kind: 'time'; unit: TimeUnitName; bits: number }
  | { kind: 'timestamp'; unit: TimeUnitName; timezone: string | null }
  | { kind: 'duration'; unit: TimeUnitName }
  | { kind: 'interval'; unit: 'year_month' | 'day_time' | 'month_day_nano' }
  | { kind: 'list' | 'largeList' | 'listView' | 'largeListView' | 'map' | 'struct' | 'runEndEncoded' }
  | { kind: 'fixedSizeList'; size: number }
  | { kind: 'union'; mode: 'sparse' | 'dense' }
  | { kind: 'unknown'; id: number };

export interface ArrowField {
  name: string;
  type: ArrowType;
  children: ArrowField[];
  /** Set when the column holds indices into a dictionary of `type` values. */
  dictionary: { id: number; index: IntType } | null;
  /** Field nodes, buffers and variadic-buffer counts this field takes in a record batch; null: unknown. */
  layout: Layout | null;
}

export interface Layout {
  nodes: number;
  buffers: number;
  views: number;
}

const MAX_DEPTH = 64;
const MAX_FIELDS = 10_000;

// Schema.fbs Type union ids.
const T = {
  NONE: 0,
  Null: 1,
  Int: 2,
  FloatingPoint: 3,
  Binary: 4,
  Utf8: 5,
  Bool: 6,
  Decimal: 7,
  Date: 8,
  Time: 9,
  Timestamp: 10,
  Interval: 11,
  List: 12,
  Struct: 13,
  Union: 14,
  FixedSizeBinary: 15,
  FixedSizeList: 16,
  Map: 17,
  Duration: 18,
  LargeBinary: 19,
  LargeUtf8: 20,
  LargeList: 21,
  RunEndEncoded: 22,
  BinaryView: 23,
  Utf8View: 24,
  ListView: 25,
  LargeListView: 26,
} as const;

const unit = (fb: Fb, t: number, fallback: number): TimeUnitName => {
  const u = t < 0 ? fallback : fb.scalarI16(t, 0, fallback);
  return TIME_UNITS[u] ?? fail(`a time unit ${u} does not exist`);
};

function readIntType(fb: Fb, t: number): IntType {
  const bits = t < 0 ? 0 : fb.scalarI32(t, 0, 0);
  if (bits !== 8 && bits !== 16 && bits !== 32 && bits !== 64)
    fail(`an integer of ${bits} bits does not exist`);
  return { kind: 'int', bits: bits as IntType['bits'], signed: t >= 0 && fb.bool(t, 1) };
}

function readType(fb: Fb, id: number, t: number): ArrowType {
  switch (id) {
    case T.NONE:
    case T.Null:
      return { kind: 'null' };
    case T.Int:
      return readIntType(fb, t);
    case T.FloatingPoint: {
      const precision = t < 0 ? 0 : fb.scalarI16(t, 0, 0);
      const bits =
        ([16, 32, 64] as const)[precision] ?? fail(`a float precision ${precision} does not exist`);
      return { kind: 'float', bits };
    }
    case T.Binary:
      return { kind: 'binary' };
    case T.Utf8:
      return { kind: 'utf8' };
    case T.Bool:
      return { kind: 'bool' };
    case T.LargeBinary:
      return { kind: 'largeBinary' };
    case T.LargeUtf8:
      return { kind: 'largeUtf8' };
    case T.BinaryView:
      return { kind: 'binaryView' };
    case T.Utf8View:
      return { kind: 'utf8View' };
    case T.Decimal:
      return {
        kind: 'decimal',
        precision: t < 0 ? 0 : fb.scalarI32(t, 0, 0),
        scale: t < 0 ? 0 : fb.scalarI32(t, 1, 0),
        bits: t < 0 ? 128 : fb.scalarI32(t, 2, 128),
      };
    case T.Date:
      return { kind: 'date', unit: (t < 0 ? 1 : fb.scalarI16(t, 0, 1)) === 0 ? 'day' : 'ms' };
    case T.Time:
      return { kind: 'time', unit: unit(fb, t, 1), bits: t < 0 ? 32 : fb.scalarI32(t, 1, 32) };
    case T.Timestamp:
      return { kind: 'timestamp', unit: unit(fb, t, 0), timezone: t < 0 ? null : fb.string(t, 1) };
    case T.Duration:
      return { kind: 'duration', unit: unit(fb, t, 1) };
    case T.Interval: {
      const u = t < 0 ? 0 : fb.scalarI16(t, 0, 0);
      const name =
        (['year_month', 'day_time', 'month_day_nano'] as const)[u] ??
        fail(`an interval unit ${u} does not exist`);
      return { kind: 'interval', unit: name };
    }
    case T.FixedSizeBinary:
      return { kind: 'fixedSizeBinary', width: t < 0 ? 0 : fb.scalarI32(t, 0, 0) };
    case T.FixedSizeList:
      return { kind: 'fixedSizeList', size: t < 0 ? 0 : fb.scalarI32(t, 0, 0) };
    case T.List:
      return { kind: 'list' };
    case T.LargeList:
      return { kind: 'largeList' };
    case T.ListView:
      return { kind: 'listView' };
    case T.LargeListView:
      return { kind: 'largeListView' };
    case T.Struct:
      return { kind: 'struct' };
    case T.Map:
      return { kind: 'map' };
    case T.Union:
      return { kind: 'union', mode: (t < 0 ? 0 : fb.scalarI16(t, 0, 0)) === 1 ? 'dense' : 'sparse' };
    case T.RunEndEncoded:
      return { kind: 'runEndEncoded' };
    default:
      return { kind: 'unknown', id };
  }
}

/** Buffers of a type's own array, children apart (the Arrow columnar format, IPC order). */
function ownBuffers(type: ArrowType, v4: boolean): number | null {
  switch (type.kind) {
    case 'null':
    case 'runEndEncoded':
      return 0;
    case 'struct':
    case 'fixedSizeList':
      return 1;
    case 'union':
      // Before metadata V5 a union also had a validity bitmap.
      return (type.mode === 'dense' ? 2 : 1) + (v4 ? 1 : 0);
    case 'utf8':
    case 'largeUtf8':
    case 'binary':
    case 'largeBinary':
    case 'listView':
    case 'largeListView':
      return 3;
    case 'list':
    case 'largeList':
    case 'map':
      return 2;
    case 'utf8View':
    case 'binaryView':
      return 2; // plus its variadic data buffers
    case 'unknown':
      return null;
    default:
      return 2;
  }
}

function layoutOf(field: ArrowField, v4: boolean): Layout | null {
  if (field.dictionary) return { nodes: 1, buffers: 2, views: 0 };
  const own = ownBuffers(field.type, v4);
  if (own === null) return null;
  const layout: Layout = {
    nodes: 1,
    buffers: own,
    views: field.type.kind === 'utf8View' || field.type.kind === 'binaryView' ? 1 : 0,
  };
  for (const child of field.children) {
    if (!child.layout) return null;
    layout.nodes += child.layout.nodes;
    layout.buffers += child.layout.buffers;
    layout.views += child.layout.views;
  }
  return layout;
}

function readField(fb: Fb, t: number, depth: number, count: { n: number }, v4: boolean): ArrowField {
  if (depth > MAX_DEPTH) fail(`its fields nest deeper than ${MAX_DEPTH} levels`);
  if (++count.n > MAX_FIELDS) fail(`it has more than ${MAX_FIELDS} fields`);
  const name = fb.string(t, 0) ?? '';
  const type = readType(fb, fb.scalarU8(t, 2, 0), fb.table(t, 3));
  const encoding = fb.table(t, 4);
  let dictionary: ArrowField['dictionary'] = null;
  if (encoding >= 0) {
    dictionary = { id: fb.scalarI64(encoding, 0, 0), index: { kind: 'int', bits: 32, signed: true } };
    const index = fb.table(encoding, 1);
    if (index >= 0) dictionary.index = readIntType(fb, index);
  }
  const { start, length } = fb.vector(t, 5, 4);
  const children: ArrowField[] = [];
  for (let i = 0; i < length; i++) children.push(readField(fb, fb.tableAt(start, i), depth + 1, count, v4));
  const field: ArrowField = { name, type, children, dictionary, layout: null };
  field.layout = layoutOf(field, v4);
  return field;
}

/** The values of a dictionary-encoded field, laid out as its dictionary batches hold them. */
export function dictionaryValues(field: ArrowField, schema: ArrowSchema): ArrowField {
  const values: ArrowField = { ...field, dictionary: null, layout: null };
  values.layout = layoutOf(values, schema.v4);
  return values;
}

export interface ArrowSchema {
  fields: ArrowField[];
  /** Metadata before V5: unions carry a validity bitmap. */
  v4: boolean;
}

// ---------------------------------------------------------------------------------------------
// Messages

export interface BufferRegion {
  offset: number;
  length: number;
}

export interface FieldNode {
  length: number;
  nullCount: number;
}

/** A record batch (also the data of a dictionary batch), located in its message. */
export interface RecordBatchMeta {
  length: number;
  /** CompressionType: 0 LZ4_FRAME, 1 ZSTD; null: uncompressed. */
  codec: number | null;
  nodeCount: number;
  bufferCount: number;
  node(i: number): FieldNode;
  buffer(i: number): BufferRegion;
  variadicCount: number;
  variadic(i: number): number;
  /** The message body the buffers are regions of. */
  body: Uint8Array;
}

export type Message =
  | { kind: 'schema'; schema: ArrowSchema }
  | { kind: 'record'; batch: RecordBatchMeta }
  | { kind: 'dictionary'; id: number; isDelta: boolean; batch: RecordBatchMeta }
  | { kind: 'other'; type: number };

const MESSAGE_TYPES = ['none', 'schema', 'dictionary batch', 'record batch', 'tensor', 'sparse tensor'];

function readRecordBatch(fb: Fb, t: number, body: Uint8Array): RecordBatchMeta {
  const length = fb.scalarI64(t, 0, 0);
  if (!(length >= 0 && length <= 2 ** 31)) fail(`it declares ${length} rows`);
  const nodes = fb.vector(t, 1, 16);
  const buffers = fb.vector(t, 2, 16);
  const compression = fb.table(t, 3);
  let codec: number | null = null;
  if (compression >= 0) {
    codec = fb.scalarU8(compression, 0, 0);
    const method = fb.scalarU8(compression, 1, 0);
    if (method !== 0) fail(`its body compression method ${method} is not BUFFER`);
  }
  const variadic = fb.vector(t, 4, 8);
  const count = (v: number, what: string) => {
    if (!(v >= 0 && v <= Number.MAX_SAFE_INTEGER)) fail(`${what} ${v} is out of range`);
    return v;
  };
  return {
    length,
    codec,
    nodeCount: nodes.length,
    bufferCount: buffers.length,
    node: (i) => ({
      length: count(fb.i64(nodes.start + 16 * i), 'a field node length'),
      nullCount: count(fb.i64(nodes.start + 16 * i + 8), 'a null count'),
    }),
    buffer: (i) => ({
      offset: count(fb.i64(buffers.start + 16 * i), 'a buffer offset'),
      length: count(fb.i64(buffers.start + 16 * i + 8), 'a buffer length'),
    }),
    variadicCount: variadic.length,
    variadic: (i) => count(fb.i64(variadic.start + 8 * i), 'a variadic buffer count'),
    body,
  };
}

function readSchema(fb: Fb, t: number, version: number): ArrowSchema {
  if (fb.scalarI16(t, 0, 0) !== 0) fail('it is big-endian');
  const v4 = version < 4;
  const { start, length } = fb.vector(t, 1, 4);
  const count = { n: 0 };
  const fields: ArrowField[] = [];
  for (let i = 0; i < length; i++) fields.push(readField(fb, fb.tableAt(start, i), 0, count, v4));
  return { fields, v4 };
}

const FILE_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

/**
 * The messages of an IPC stream (or of an IPC file, read in order up to its footer), one at a
 * time: the caller decides what to look at. Ends at the end-of-stream marker or the last byte.
 */
export class MessageReader {
  private pos = 0;
  private readonly end: number;
  private readonly view: DataView;
  /** An IPC file's schema, from its footer: arrow-js writes it there only. */
  private footerSchema: ArrowSchema | null = null;
  private held: Message | null = null;
  /** Messages read so far, for error messages. */
  count = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.end = bytes.length;
    if (bytes.length >= 8 && FILE_MAGIC.every((b, i) => bytes[i] === b)) {
      // The file format: magic, padding, the stream's messages, the footer, its length, magic.
      const tail = bytes.length - 10;
      const footer = tail >= 8 ? this.view.getInt32(tail, true) : -1;
      if (!(footer > 0 && tail - footer >= 8 && FILE_MAGIC.every((b, i) => bytes[tail + 4 + i] === b))) {
        fail('it starts like an Arrow file but its footer is missing');
      }
      this.pos = 8;
      this.end = tail - footer;
      const fb = new Fb(bytes.subarray(this.end, tail));
      const root = fb.root();
      const schema = fb.table(root, 1);
      if (schema >= 0) this.footerSchema = readSchema(fb, schema, fb.scalarI16(root, 0, 0));
    }
  }

  next(): Message | null {
    if (this.held) {
      const held = this.held;
      this.held = null;
      return held;
    }
    const message = this.read();
    if (this.footerSchema) {
      const schema = this.footerSchema;
      this.footerSchema = null;
      if (message?.kind !== 'schema') {
        this.held = message;
        return { kind: 'schema', schema };
      }
    }
    return message;
  }

  private read(): Message | null {
    if (this.pos >= this.end) return null;
    let metaLength: number;
    if (this.pos + 4 > this.end) fail('it ends inside a message header');
    const first = this.view.getUint32(this.pos, true);
    if (first === 0xffffffff) {
      if (this.pos + 8 > this.end) fail('it ends inside a message header');
      metaLength = this.view.getInt32(this.pos + 4, true);
      this.pos += 8;
    } else {
      // Streams written before Arrow 0.15 have no continuation marker.
      metaLength = first | 0;
      this.pos += 4;
    }
    if (metaLength === 0) return null;
    if (metaLength < 0 || this.pos + metaLength > this.end) fail('it ends inside a message');
    const fb = new Fb(this.bytes.subarray(this.pos, this.pos + metaLength));
    this.pos += metaLength;
    this.count++;
    const root = fb.root();
    const version = fb.scalarI16(root, 0, 0);
    if (version < 3 || version > 4) fail(`its metadata version V${version + 1} is not V4 or V5`);
    const type = fb.scalarU8(root, 1, 0);
    const header = fb.table(root, 2);
    const bodyLength = fb.scalarI64(root, 3, 0);
    if (!(bodyLength >= 0 && this.pos + bodyLength <= this.end)) fail('it ends inside a message body');
    const body = this.bytes.subarray(this.pos, this.pos + bodyLength);
    this.pos += bodyLength;
    if (header < 0 && type !== 0) fail(`its ${MESSAGE_TYPES[type] ?? 'message'} has no header`);
    switch (type) {
      case 1:
        return { kind: 'schema', schema: readSchema(fb, header, version) };
      case 2: {
        const data = fb.table(header, 1);
        if (data < 0) fail('a dictionary batch has no data');
        return {
          kind: 'dictionary',
          id: fb.scalarI64(header, 0, 0),
          isDelta: fb.bool(header, 2),
          batch: readRecordBatch(fb, data, body),
        };
      }
      case 3:
        return { kind: 'record', batch: readRecordBatch(fb, header, body) };
      default:
        return { kind: 'other', type };
    }
  }
}

export const messageTypeName = (type: number) => MESSAGE_TYPES[type] ?? `message type ${type}`;
