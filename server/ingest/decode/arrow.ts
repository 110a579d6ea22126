import {
  type Data,
  DataType,
  RecordBatchReader,
  Precision,
  TimeUnit,
  type Vector,
  type RecordBatch,
} from 'apache-arrow';
import { errors } from '../../errors.js';
import {
  BatchBuilder,
  type DecodedBatch,
  MISSING,
  NumProblem,
  type RawRecord,
  STRING_FIELDS,
  type StringField,
  yieldToLoop,
} from '../batch.js';
import { describeValue, keepRawString } from '../raw.js';

const hint =
  'Send an Arrow IPC stream with columns ts (timestamp, or int64 epoch ms), brand, touchpoint, source, metric (utf8, plain or dictionary) and value (numeric).';

/**
 * Arrow IPC stream, one record batch at a time. Dictionary-encoded strings keep their
 * dictionaries: each batch dictionary is mapped once onto the decoded dictionary.
 */
export async function decodeArrow(body: Buffer): Promise<DecodedBatch> {
  let reader: RecordBatchReader;
  try {
    reader = RecordBatchReader.from(body);
    reader.open();
    if (!reader.isSync()) throw new Error('not a synchronous source');
  } catch (error) {
    throw errors.malformedBody(`The body is not an Arrow IPC stream: ${(error as Error).message}.`, hint);
  }
  // Batches are views over the body; reading them all first sizes the columns once.
  const batches: RecordBatch[] = [];
  for (;;) {
    let next: IteratorResult<RecordBatch>;
    try {
      next = reader.next() as IteratorResult<RecordBatch>;
    } catch (error) {
      throw errors.malformedBody(
        `Record batch ${batches.length} cannot be read: ${(error as Error).message}.`,
        hint,
      );
    }
    if (next.done) break;
    batches.push(next.value);
  }
  const builder = new BatchBuilder(
    Math.max(
      1024,
      batches.reduce((n, b) => n + b.numRows, 0),
    ),
  );
  for (const [index, batch] of batches.entries()) {
    appendBatch(builder, batch, index);
    await yieldToLoop();
  }
  const decoded = builder.finish('arrow', {
    rawText: (row) => keepRawString(JSON.stringify(rawRow(decoded, row))),
    describe: (row, field) => describeValue(rawRow(decoded, row)[field]),
  });
  return decoded;
}

function column(batch: RecordBatch, name: string, index: number): Vector {
  const vector = batch.getChild(name);
  if (!vector) throw errors.malformedBody(`Record batch ${index} has no column "${name}".`, hint);
  return vector;
}

function appendBatch(builder: BatchBuilder, batch: RecordBatch, index: number): void {
  const n = batch.numRows;
  const first = builder.length;
  builder.reserve(n);
  for (const field of STRING_FIELDS) fillStrings(builder, field, column(batch, field, index), first, index);
  fillTs(builder, column(batch, 'ts', index), first, index);
  fillValue(builder, column(batch, 'value', index), first, index);
  builder.length = first + n;
}

function forEachData(vector: Vector, fn: (data: Data, offset: number) => void): void {
  let offset = 0;
  for (const data of vector.data) {
    fn(data, offset);
    offset += data.length;
  }
}

const valid = (data: Data, i: number) => data.nullCount === 0 || data.getValid(i);

function fillStrings(
  builder: BatchBuilder,
  field: StringField,
  vector: Vector,
  first: number,
  index: number,
): void {
  const target = builder.strings[field];
  const type = vector.type as DataType;
  if (
    DataType.isDictionary(type) &&
    (DataType.isUtf8(type.dictionary) || DataType.isLargeUtf8(type.dictionary))
  ) {
    forEachData(vector, (data, offset) => {
      const dictionary = data.dictionary!;
      const map = new Int32Array(dictionary.length);
      for (let k = 0; k < dictionary.length; k++) {
        const s = dictionary.get(k) as string | null;
        map[k] = s === null || s === '' ? MISSING : target.code(s);
      }
      const keys = data.values as ArrayLike<number>;
      for (let i = 0; i < data.length; i++) {
        target.codes[first + offset + i] = valid(data, i) ? map[Number(keys[data.offset + i])]! : MISSING;
      }
    });
    return;
  }
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) {
    for (let i = 0; i < vector.length; i++) {
      const s = vector.get(i) as string | null;
      target.codes[first + i] = s === null || s === '' ? MISSING : target.code(s);
    }
    return;
  }
  throw errors.malformedBody(`Record batch ${index}: column "${field}" is ${String(type)}, not utf8.`, hint);
}

const TWO_32 = 4294967296;
/** Raw units per millisecond, negative for units coarser than a millisecond (divide by a fraction is inexact). */
const PER_MS: Record<TimeUnit, number> = {
  [TimeUnit.SECOND]: -1000,
  [TimeUnit.MILLISECOND]: 1,
  [TimeUnit.MICROSECOND]: 1000,
  [TimeUnit.NANOSECOND]: 1_000_000,
};

function fillTs(builder: BatchBuilder, vector: Vector, first: number, index: number): void {
  const type = vector.type as DataType;
  if (!(
    DataType.isTimestamp(type) ||
    DataType.isDate(type) ||
    (DataType.isInt(type) && type.bitWidth === 64)
  )) {
    throw errors.malformedBody(
      `Record batch ${index}: column "ts" is ${String(type)}, not a timestamp or int64 epoch milliseconds.`,
      hint,
    );
  }
  // Timestamps and int64 are read as raw 64-bit words (no BigInt per row); dates through get().
  const perMs = DataType.isTimestamp(type) ? PER_MS[type.unit] : DataType.isInt(type) ? 1 : 0;
  // Epoch nanoseconds pass 2^53: split them exactly with BigInt (rare on the wire).
  const nanos = perMs === 1_000_000;
  forEachData(vector, (data, offset) => {
    const values = data.values as BigInt64Array;
    const words =
      perMs && !nanos ? new Int32Array(values.buffer, values.byteOffset, values.length * 2) : undefined;
    for (let i = 0; i < data.length; i++) {
      const row = first + offset + i;
      if (!valid(data, i)) {
        builder.ts[row] = NaN;
        builder.tsProblem[row] = NumProblem.Missing;
        continue;
      }
      let ms: number;
      if (words) {
        const k = 2 * (data.offset + i);
        const raw = words[k + 1]! * TWO_32 + (words[k]! >>> 0);
        ms = perMs < 0 ? raw * -perMs : raw / perMs;
      } else if (nanos) {
        const v = values[data.offset + i]!;
        ms = Number(v / 1_000_000n) + Number(v % 1_000_000n) / 1e6;
      } else {
        const v = vector.get(offset + i) as number | Date;
        ms = v instanceof Date ? v.getTime() : Number(v);
      }
      builder.ts[row] = ms;
      builder.tsProblem[row] = Number.isFinite(ms) ? NumProblem.None : NumProblem.Invalid;
    }
  });
}

function fillValue(builder: BatchBuilder, vector: Vector, first: number, index: number): void {
  const type = vector.type as DataType;
  if (!(DataType.isInt(type) || DataType.isFloat(type) || DataType.isDecimal(type))) {
    throw errors.malformedBody(
      `Record batch ${index}: column "value" is ${String(type)}, not numeric.`,
      hint,
    );
  }
  const direct = DataType.isFloat(type) && type.precision !== Precision.HALF;
  forEachData(vector, (data, offset) => {
    const values = data.values as ArrayLike<number>;
    for (let i = 0; i < data.length; i++) {
      const row = first + offset + i;
      if (!valid(data, i)) {
        builder.value[row] = NaN;
        builder.valueProblem[row] = NumProblem.Missing;
        continue;
      }
      const n = direct ? values[data.offset + i]! : Number(vector.get(offset + i));
      builder.value[row] = n;
      builder.valueProblem[row] = Number.isFinite(n) ? NumProblem.None : NumProblem.Invalid;
    }
  });
}

function rawRow(batch: DecodedBatch, row: number): RawRecord {
  const record: RawRecord = {};
  const ts = batch.ts[row]!;
  record.ts =
    batch.tsProblem[row] === NumProblem.Missing
      ? null
      : Math.abs(ts) <= 8.64e15
        ? new Date(ts).toISOString()
        : ts;
  for (const field of STRING_FIELDS) {
    const code = batch.strings[field].codes[row]!;
    record[field] = code >= 0 ? batch.strings[field].values[code] : null;
  }
  const value = batch.value[row]!;
  record.value =
    batch.valueProblem[row] === NumProblem.Missing ? null : Number.isFinite(value) ? value : String(value);
  return record;
}
