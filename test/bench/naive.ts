// Baselines: (e) the rows appended in-process with DuckDB's row appender, one commit; and (f) a
// naive server: plain Fastify → tableFromIPC → row appender → one commit per request, no
// validation, no rollups, no idempotency. Each runs in a process of its own, as the hub does:
// appender-child.ts and naive-server.ts are their entry points.
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance, timestampValue } from '@duckdb/node-api';
import { type Data, type Dictionary, type RecordBatch, tableFromIPC, type Vector } from 'apache-arrow';
import Fastify from 'fastify';
import type { Columns } from './data.js';

const CREATE_EVENTS = `CREATE TABLE IF NOT EXISTS events (
  workspace VARCHAR, brand VARCHAR, touchpoint VARCHAR, source VARCHAR, metric VARCHAR,
  ts TIMESTAMP, value DOUBLE)`;

export interface Duck {
  file: string;
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  count(): Promise<number>;
  close(): void;
}

/** Opens (or creates) a DuckDB file with the flat events table. The caller owns the file. */
export async function openDuck(file: string): Promise<Duck> {
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  await connection.run(CREATE_EVENTS);
  return {
    file,
    instance,
    connection,
    async count() {
      const reader = await connection.runAndReadAll('SELECT count(*)::DOUBLE AS n FROM events');
      return Number(reader.getRowObjectsJson()[0]!.n);
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** (e) Every row through the row appender (appendVarchar/appendTimestamp/appendDouble), one commit. */
export async function appendColumns(duck: Duck, workspace: string, cols: Columns): Promise<void> {
  const appender = await duck.connection.createAppender('events');
  try {
    for (let i = 0; i < cols.length; i++) {
      appender.appendVarchar(workspace);
      appender.appendVarchar(cols.brands[cols.brand[i]!]!);
      appender.appendVarchar(cols.touchpoints[cols.touchpoint[i]!]!);
      appender.appendVarchar(cols.sources[cols.source[i]!]!);
      appender.appendVarchar(cols.metrics[cols.metric[i]!]!);
      appender.appendTimestamp(timestampValue(BigInt(cols.ts[i]!) * 1000n));
      appender.appendDouble(cols.value[i]!);
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/** The strings of a (dictionary or plain utf8) column chunk, as a row → string function. */
function strings(vector: Vector): (i: number) => string {
  const data = vector.data[0] as Data;
  if (data.dictionary) {
    const dictionary = (data.dictionary as Vector<Dictionary['dictionary']>).toArray() as string[];
    const keys = data.values as ArrayLike<number>;
    return (i) => dictionary[Number(keys[data.offset + i])]!;
  }
  return (i) => vector.get(i) as string;
}

/** Appends one record batch row by row, reading the Arrow buffers directly (no per-row Vector.get). */
function appendBatch(appender: DuckDBAppender, workspace: string, batch: RecordBatch): void {
  const vector = (name: string) => {
    const found = batch.getChild(name);
    if (!found) throw new Error(`no column ${name}`);
    return found;
  };
  const child = (name: string) => vector(name).data[0]!;
  const brand = strings(vector('brand'));
  const touchpoint = strings(vector('touchpoint'));
  const source = strings(vector('source'));
  const metric = strings(vector('metric'));
  const tsData = child('ts');
  const ts = tsData.values as unknown as BigInt64Array;
  const valueData = child('value');
  const value = valueData.values as Float64Array;
  for (let i = 0; i < batch.numRows; i++) {
    appender.appendVarchar(workspace);
    appender.appendVarchar(brand(i));
    appender.appendVarchar(touchpoint(i));
    appender.appendVarchar(source(i));
    appender.appendVarchar(metric(i));
    appender.appendTimestamp(timestampValue(ts[tsData.offset + i]! * 1000n));
    appender.appendDouble(value[valueData.offset + i]!);
    appender.endRow();
  }
}

export interface NaiveServer {
  url: string;
  duck: Duck;
  close(): Promise<void>;
}

/**
 * (f) The naive server on DuckDB file `dbFile`, listening on `host`:`port` (0: a free port). Run
 * in its own process by naive-server.ts.
 */
export async function startNaiveServer(
  dbFile: string,
  options: { maxBodyMb: number; port?: number; host?: string },
): Promise<NaiveServer> {
  const duck = await openDuck(dbFile);
  const app = Fastify({ logger: false, bodyLimit: options.maxBodyMb * 1024 * 1024 });
  app.addContentTypeParser(
    'application/vnd.apache.arrow.stream',
    { parseAs: 'buffer' },
    (_request, body, done) => done(null, body),
  );
  app.get('/ready', async () => ({ status: 'ready' }));
  // One connection: requests take turns, each one appender and one commit.
  let chain: Promise<unknown> = Promise.resolve();
  app.post<{ Params: { workspace: string } }>('/api/v1/workspaces/:workspace/events', async (request) => {
    const table = tableFromIPC(request.body as Buffer);
    const turn = chain.then(async () => {
      const appender = await duck.connection.createAppender('events');
      try {
        for (const batch of table.batches) appendBatch(appender, request.params.workspace, batch);
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
    });
    chain = turn.catch(() => undefined);
    await turn;
    return { accepted: table.numRows, rejected: 0 };
  });
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${host}:${port}`,
    duck,
    async close() {
      await app.close();
      await chain;
      duck.close();
    },
  };
}
