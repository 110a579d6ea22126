// Events as one Arrow IPC stream, the hub's fastest format: dictionary-encoded strings (int32
// codes), TimestampMillisecond, Float64. Shared by the demo market's feeder and the benchmarks.
import {
  Dictionary,
  Field,
  Float64,
  Int32,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';

export const STRING_COLUMNS = ['brand', 'touchpoint', 'source', 'metric'] as const;

/** Events as columns: strings as codes into the dictionaries. */
export interface EventColumns {
  brands: string[];
  touchpoints: string[];
  sources: string[];
  metrics: string[];
  brand: Int32Array;
  touchpoint: Int32Array;
  source: Int32Array;
  metric: Int32Array;
  /** Epoch milliseconds. */
  ts: Float64Array;
  value: Float64Array;
}

function arrowSchema(): { schema: Schema; types: Record<string, Dictionary> } {
  const types: Record<string, Dictionary> = {};
  const fields: Field[] = [new Field('ts', new TimestampMillisecond(), false)];
  STRING_COLUMNS.forEach((name, id) => {
    types[name] = new Dictionary(new Utf8(), new Int32(), id);
    fields.push(new Field(name, types[name], false));
  });
  fields.push(new Field('value', new Float64(), false));
  return { schema: new Schema(fields), types };
}

/**
 * Encodes rows [start, end) as one Arrow IPC stream of record batches of at most `batchRows` rows
 * (a client streaming a large result sends it in batches; the dictionaries go once).
 */
export function encodeArrow(cols: EventColumns, start: number, end: number, batchRows = 65_536): Uint8Array {
  const { schema, types } = arrowSchema();
  const dictionaries = {
    brand: vectorFromArray(cols.brands, new Utf8()),
    touchpoint: vectorFromArray(cols.touchpoints, new Utf8()),
    source: vectorFromArray(cols.sources, new Utf8()),
    metric: vectorFromArray(cols.metrics, new Utf8()),
  };
  const writer = new RecordBatchStreamWriter();
  writer.reset(undefined, schema);
  for (let from = start; from < end; from += batchRows) {
    const to = Math.min(end, from + batchRows);
    const n = to - from;
    // TimestampMillisecond is stored as int64.
    const ts = new BigInt64Array(n);
    for (let i = 0; i < n; i++) ts[i] = BigInt(cols.ts[from + i]!);
    const children = [
      makeData({
        type: new TimestampMillisecond(),
        length: n,
        nullCount: 0,
        data: ts as unknown as Int32Array,
      }),
      ...STRING_COLUMNS.map((name) =>
        makeData({
          type: types[name]!,
          length: n,
          nullCount: 0,
          data: cols[name].slice(from, to),
          dictionary: dictionaries[name],
        }),
      ),
      makeData({ type: new Float64(), length: n, nullCount: 0, data: cols.value.slice(from, to) }),
    ];
    const struct = makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children });
    writer.write(new RecordBatch(schema, struct));
  }
  writer.finish();
  return writer.toUint8Array(true);
}
