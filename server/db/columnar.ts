import bindings from '@duckdb/node-bindings';
import {
  BIGINT,
  DOUBLE,
  type DuckDBAppender,
  DuckDBDataChunk,
  DuckDBTableFunction,
  INTEGER,
  TIMESTAMP,
  type DuckDBType,
} from '@duckdb/node-api';

/**
 * A column to insert, copied into DuckDB vectors as raw bytes (the fast path: no value objects,
 * no BigInts). `timestamp` holds epoch milliseconds, `bigint` whole numbers below 2^53.
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

/** Copies rows [offset, offset + n) of `columns` into the vectors of `chunk`. */
function fillChunk(
  chunk: DuckDBDataChunk,
  columns: Column[],
  offset: number,
  n: number,
  words: Int32Array,
): void {
  columns.forEach((column, c) => {
    const vector = bindings.data_chunk_get_vector(chunk.chunk, c);
    if (column.kind === 'integer' || column.kind === 'double') {
      const size = column.values.BYTES_PER_ELEMENT;
      const { buffer, byteOffset } = column.values;
      bindings.copy_data_to_vector(vector, 0, buffer as ArrayBuffer, byteOffset + offset * size, n * size);
    } else {
      toInt64Words(column.values, offset, n, column.kind === 'timestamp' ? 1000 : 1, words);
      bindings.copy_data_to_vector(vector, 0, words.buffer as ArrayBuffer, 0, n * 8);
    }
  });
}

/**
 * Up to this many rows go through the table's appender: its flush, on the JavaScript thread,
 * takes a few milliseconds at this size, less than a statement through the table function costs.
 */
export const APPEND_MAX_ROWS = 65_536;

/** Appends a few rows through an appender (flushed here, in the open transaction). */
export function appendColumns(appender: DuckDBAppender, columns: Column[], length: number): void {
  const types = columns.map((c) => TYPES[c.kind]);
  const words = new Int32Array(CHUNK * 2);
  for (let offset = 0; offset < length; offset += CHUNK) {
    const n = Math.min(CHUNK, length - offset);
    const chunk = DuckDBDataChunk.create(types, n);
    fillChunk(chunk, columns, offset, n, words);
    appender.appendDataChunk(chunk);
  }
  appender.flushSync();
}

// Columns inserted by `INSERT INTO t SELECT * FROM conv_columns(<id>)`: DuckDB pulls them chunk
// by chunk through a table function and stores them on its own threads. An appender's flush
// stores them on the JavaScript thread instead, blocking the event loop for 100–350 ms per large
// commit (measured: /healthz stalls under load); this path copies 2048 rows per call and yields.

interface ScanJob {
  columns: Column[];
  length: number;
}

const scanJobs = new Map<number, ScanJob>();
let nextScanJob = 1;

/** The table function behind `insertColumns`; registered once per database (see Database.open). */
export function columnScanFunction(): DuckDBTableFunction {
  const words = new Int32Array(CHUNK * 2);
  return DuckDBTableFunction.create({
    name: 'conv_columns',
    parameterTypes: [INTEGER],
    bindFunction: (info) => {
      const id = Number(info.getParameter(0));
      const job = scanJobs.get(id);
      if (!job) return info.setError(`no column scan ${id}`);
      job.columns.forEach((column, c) => info.addResultColumn(`c${c}`, TYPES[column.kind]));
      info.setCardinality(job.length, true);
      info.setBindData({ id });
    },
    initFunction: (info) => {
      // One scanning thread: chunks come out in order, each filled on the JavaScript thread anyway.
      info.setMaxThreads(1);
      info.setInitData({ offset: 0 });
    },
    mainFunction: (info, output) => {
      const job = scanJobs.get((info.bindData as { id: number }).id)!;
      const state = info.initData as { offset: number };
      const n = Math.min(CHUNK, job.length - state.offset);
      output.rowCount = n;
      if (n === 0) return;
      fillChunk(output, job.columns, state.offset, n, words);
      state.offset += n;
    },
  });
}

/**
 * Inserts `length` rows (of more than APPEND_MAX_ROWS) given as columns, in the table's column
 * order, into `table`, in the connection's open transaction. `run` runs a statement on it.
 */
export async function insertColumns(
  run: (sql: string) => Promise<void>,
  table: string,
  columns: Column[],
  length: number,
): Promise<void> {
  if (length === 0) return;
  const id = nextScanJob++;
  scanJobs.set(id, { columns, length });
  try {
    await run(`INSERT INTO ${table} SELECT * FROM conv_columns(${id})`);
  } finally {
    scanJobs.delete(id);
  }
}
