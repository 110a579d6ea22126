// An Arrow schema as plain objects: each field's type, its dictionary encoding, and its layout (the
// field nodes, buffers and variadic-buffer counts it takes in a record batch), so that the columns
// after it can be found without decoding it, whatever its type. Bounded in depth and field count.
import { fail, type Fb } from './arrow-flatbuffers.js';

type TimeUnitName = 's' | 'ms' | 'us' | 'ns';
const TIME_UNITS: TimeUnitName[] = ['s', 'ms', 'us', 'ns'];

interface IntType {
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

export interface ArrowSchema {
  fields: ArrowField[];
  /** Metadata before V5: unions carry a validity bitmap. */
  v4: boolean;
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

// A type table may be absent (t = -1): every field then takes its default.
const unit = (fb: Fb, t: number, fallback: number): TimeUnitName => {
  const u = fb.scalar(t, 0, 'i16', fallback);
  return TIME_UNITS[u] ?? fail(`a time unit ${u} does not exist`);
};

function readIntType(fb: Fb, t: number): IntType {
  const bits = fb.scalar(t, 0, 'i32', 0);
  if (bits !== 8 && bits !== 16 && bits !== 32 && bits !== 64)
    fail(`an integer of ${bits} bits does not exist`);
  return { kind: 'int', bits: bits as IntType['bits'], signed: fb.bool(t, 1) };
}

function readType(fb: Fb, id: number, t: number): ArrowType {
  switch (id) {
    case T.NONE:
    case T.Null:
      return { kind: 'null' };
    case T.Int:
      return readIntType(fb, t);
    case T.FloatingPoint: {
      const precision = fb.scalar(t, 0, 'i16', 0);
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
        precision: fb.scalar(t, 0, 'i32', 0),
        scale: fb.scalar(t, 1, 'i32', 0),
        bits: fb.scalar(t, 2, 'i32', 128),
      };
    case T.Date:
      return { kind: 'date', unit: fb.scalar(t, 0, 'i16', 1) === 0 ? 'day' : 'ms' };
    case T.Time:
      return { kind: 'time', unit: unit(fb, t, 1), bits: fb.scalar(t, 1, 'i32', 32) };
    case T.Timestamp:
      return { kind: 'timestamp', unit: unit(fb, t, 0), timezone: fb.string(t, 1) };
    case T.Duration:
      return { kind: 'duration', unit: unit(fb, t, 1) };
    case T.Interval: {
      const u = fb.scalar(t, 0, 'i16', 0);
      const name =
        (['year_month', 'day_time', 'month_day_nano'] as const)[u] ??
        fail(`an interval unit ${u} does not exist`);
      return { kind: 'interval', unit: name };
    }
    case T.FixedSizeBinary:
      return { kind: 'fixedSizeBinary', width: fb.scalar(t, 0, 'i32', 0) };
    case T.FixedSizeList:
      return { kind: 'fixedSizeList', size: fb.scalar(t, 0, 'i32', 0) };
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
      return { kind: 'union', mode: fb.scalar(t, 0, 'i16', 0) === 1 ? 'dense' : 'sparse' };
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
  const type = readType(fb, fb.scalar(t, 2, 'u8', 0), fb.table(t, 3));
  const encoding = fb.table(t, 4);
  let dictionary: ArrowField['dictionary'] = null;
  if (encoding >= 0) {
    const index = fb.table(encoding, 1);
    dictionary = {
      id: fb.scalar(encoding, 0, 'i64', 0),
      index: index >= 0 ? readIntType(fb, index) : { kind: 'int', bits: 32, signed: true },
    };
  }
  const { start, length } = fb.vector(t, 5, 4);
  const children: ArrowField[] = [];
  for (let i = 0; i < length; i++) children.push(readField(fb, fb.tableAt(start, i), depth + 1, count, v4));
  const field: ArrowField = { name, type, children, dictionary, layout: null };
  field.layout = layoutOf(field, v4);
  return field;
}

export function readSchema(fb: Fb, t: number, version: number): ArrowSchema {
  if (fb.scalar(t, 0, 'i16', 0) !== 0) fail('it is big-endian');
  const v4 = version < 4;
  const { start, length } = fb.vector(t, 1, 4);
  const count = { n: 0 };
  const fields: ArrowField[] = [];
  for (let i = 0; i < length; i++) fields.push(readField(fb, fb.tableAt(start, i), 0, count, v4));
  return { fields, v4 };
}

/** The values of a dictionary-encoded field, laid out as its dictionary batches hold them. */
export function dictionaryValues(field: ArrowField, schema: ArrowSchema): ArrowField {
  const values: ArrowField = { ...field, dictionary: null, layout: null };
  values.layout = layoutOf(values, schema.v4);
  return values;
}
