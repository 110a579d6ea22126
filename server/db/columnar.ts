import bindings from '@duckdb/node-bindings';
import {
  BIGINT,
  DOUBLE,
  DuckDBDataChunk,
  INTEGER,
  TIMESTAMP,
  type DuckDBAppender,
  type DuckDBType,
} from '@duckdb/node-api';
import { yieldToLoop } from '../loop.js';

/**
 * A column for the appender, copied into DuckDB vectors as raw bytes (the fast path: no value
 * objects, no BigInts). `timestamp` holds epoch milliseconds, `bigint` whole numbers below 2^53.
 */
export type Column =
  | { kind: 'integer'; values: Int32Array }
  | { kind: 'double'; values: Float64Array }
  | { kind: 'timestamp'; values: Float64Array }
  | { kind: 'bigint'; values: Float64Array };

const TYPES: Record<Column['kind'], DuckDBType> = {
  integer: INTEGER,
  double: DOUBLE,
  timestamp: TIMESTAMP,
  bigint: BIGINT,
};

const CHUNK = 2048;
const TWO_32 = 4294967296;

/** Writes numbers < 2^53 as little-endian int64 words without going through BigInt. */
function toInt64Words(values: Float64Array, offset: number, n: number, scale: number, out: Int32Array): void {
  for (let i = 0; i < n; i++) {
    const v = Math.round(values[offset + i]! * scale);
    const hi = Math.floor(v / TWO_32);
    out[2 * i] = v - hi * TWO_32;
    out[2 * i + 1] = hi;
  }
}

/** Appends `length` rows given as columns, 2048 rows a chunk; yields to the event loop now and then. */
export async function appendColumns(
  appender: DuckDBAppender,
  columns: Column[],
  length: number,
  yieldEvery = 32,
): Promise<void> {
  const types = columns.map((c) => TYPES[c.kind]);
  const words = new Int32Array(CHUNK * 2);
  for (let offset = 0, chunkIndex = 0; offset < length; offset += CHUNK, chunkIndex++) {
    const n = Math.min(CHUNK, length - offset);
    const chunk = DuckDBDataChunk.create(types, n);
    columns.forEach((column, c) => {
      const vector = bindings.data_chunk_get_vector(chunk.chunk, c);
      if (column.kind === 'integer' || column.kind === 'double') {
        const size = column.values.BYTES_PER_ELEMENT;
        const { buffer, byteOffset } = column.values;
        bindings.copy_data_to_vector(vector, 0, buffer as ArrayBuffer, byteOffset + offset * size, n * size);
      } else {
        toInt64Words(column.values, offset, n, column.kind === 'timestamp' ? 1000 : 1, words);
        bindings.copy_data_to_vector(vector, 0, words.buffer, 0, n * 8);
      }
    });
    appender.appendDataChunk(chunk);
    if (chunkIndex % yieldEvery === yieldEvery - 1) await yieldToLoop();
  }
}
