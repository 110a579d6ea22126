// Which Arrow types each of the six event columns takes, named as a producer's library names them,
// and what a producer is told to send instead of the others.
//
// Rules (docs/api.md, "Arrow IPC"):
// - ts: a timestamp of any unit, with or without a zone (a naive timestamp is read as UTC), a date
//   (its UTC midnight), int64 or uint64 epoch milliseconds, or ISO 8601 text as in JSON; stored to
//   the microsecond, nanoseconds rounded to the nearest microsecond (halves up).
// - value: any integer, float or decimal. Integers (int64, uint64, and decimals of scale <= 0) that
//   a double cannot hold exactly are rejected (invalid_value); a decimal with a fraction becomes the
//   nearest double, as its digits written in JSON would; float16 and float32 are widened exactly.
// - strings: utf8, large_utf8, utf8_view, or binary of any kind read as UTF-8, plain or
//   dictionary-encoded with any integer index.
// - ts, value: also dictionary-encoded. A null-typed column is missing on every row.
import type { EventField } from '../../../shared/schemas/ingest.js';
import { errors } from '../../errors.js';
import type { ArrowField, ArrowType } from './arrow-schema.js';

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
      return `Time${t.bits}(${t.unit})`;
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

/** Text types a ts column is parsed from (binary ones are strings only). */
export const TEXT_KINDS = new Set<ArrowType['kind']>(['utf8', 'largeUtf8', 'utf8View']);
const STRING_KINDS = new Set<ArrowType['kind']>([
  ...TEXT_KINDS,
  'binary',
  'largeBinary',
  'binaryView',
  'fixedSizeBinary',
]);
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
const HINT_VALUE =
  'Send value as a number: pyarrow pa.float64() (pc.cast(col, pa.float64())), polars pl.col("value").cast(pl.Float64), arrow-js new Float64(); integers and decimals are taken too.';
const HINT_NESTED =
  'Send one plain column per field: flatten it first (pyarrow pc.struct_field / pc.list_flatten, polars .struct.unnest() / .explode()).';
const HINT_REE =
  'Decode it first (pyarrow pc.run_end_decode(col)), or dictionary-encode it instead (col.dictionary_encode()).';

const hintString = (name: string) =>
  `Send "${name}" as text: pyarrow pa.string() (pc.cast(col, pa.string())), polars pl.col("${name}").cast(pl.Utf8) (or pl.Categorical), arrow-js new Utf8() or a Dictionary of Utf8.`;
const hintFor = (name: EventField) =>
  name === 'ts' ? HINT_TS : name === 'value' ? HINT_VALUE : hintString(name);
const nounFor = (name: EventField) => (name === 'ts' ? 'timestamp' : name === 'value' ? 'number' : 'string');

// Named as record batch 0's: the schema is checked once, before any batch is read.
function refuse(name: EventField, field: ArrowField, why: string, hint: string): never {
  throw errors.malformedBody(`Record batch 0: column "${name}" is ${typeName(field)}, ${why}.`, hint);
}

/** Throws the 400 for a column of a type its field can never take. */
export function checkColumn(name: EventField, field: ArrowField): void {
  const t = field.type;
  if (field.dictionary && t.kind === 'null') {
    refuse(name, field, 'a dictionary of nulls', 'Send the column without a dictionary.');
  }
  if (NESTED_KINDS.has(t.kind)) {
    refuse(name, field, `a nested type, not a plain ${nounFor(name)}`, HINT_NESTED);
  }
  if (t.kind === 'runEndEncoded')
    refuse(name, field, 'run-end encoded, which this server does not decode', HINT_REE);
  if (t.kind === 'unknown') refuse(name, field, 'which this server cannot read', hintFor(name));
  if (name === 'ts') return checkTs(field, t);
  if (name === 'value') return checkValue(field, t);
  if (t.kind === 'null' || STRING_KINDS.has(t.kind)) return;
  refuse(name, field, 'a type that never holds text', hintString(name));
}

function checkTs(field: ArrowField, t: ArrowType): void {
  switch (t.kind) {
    case 'null':
    case 'timestamp':
    case 'date':
      return;
    case 'int':
      if (t.bits === 64) return;
      return refuse(
        'ts',
        field,
        `which cannot hold epoch milliseconds of this era (epoch seconds, perhaps?)`,
        'Send epoch seconds as a timestamp in seconds: pyarrow pc.cast(pc.cast(col, pa.int64()), pa.timestamp("s")), polars pl.from_epoch("ts", time_unit="s"); or epoch milliseconds as int64 (pa.int64(), pl.Int64).',
      );
    case 'float':
      return refuse(
        'ts',
        field,
        'not a timestamp or int64 epoch milliseconds',
        `Send epoch milliseconds as int64 (pyarrow pc.cast(col, pa.int64()), polars .cast(pl.Int64)), or ts as a timestamp: ${TS_TYPES}.`,
      );
    case 'time':
      return refuse(
        'ts',
        field,
        'a time of day, not an instant',
        'Combine it with its date into a timestamp: polars pl.col("date").dt.combine(pl.col("time")), pyarrow a pa.timestamp column built from both.',
      );
    case 'duration':
    case 'interval':
      return refuse('ts', field, 'a length of time, not an instant', HINT_TS);
    default:
      if (TEXT_KINDS.has(t.kind)) return;
      return refuse('ts', field, 'not a timestamp', HINT_TS);
  }
}

function checkValue(field: ArrowField, t: ArrowType): void {
  switch (t.kind) {
    case 'null':
    case 'int':
    case 'float':
      return;
    case 'decimal':
      if (t.bits === 32 || t.bits === 64 || t.bits === 128 || t.bits === 256) return;
      return refuse('value', field, `a decimal of ${t.bits} bits, which Arrow does not define`, HINT_VALUE);
    case 'bool':
      return refuse(
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
        'value',
        field,
        'a time, not a number',
        'Send the number of units the metric counts: pyarrow pc.cast(col, pa.int64()) / pc.divide(...), polars .dt.total_seconds() or .cast(pl.Float64).',
      );
    default:
      return refuse('value', field, 'not a number', HINT_VALUE);
  }
}
