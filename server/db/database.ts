import fs from 'node:fs';
import path from 'node:path';
import {
  APPEND_MAX_ROWS,
  appendColumns,
  type Column,
  columnScanFunction,
  insertColumns,
} from './columnar.js';
import {
  DuckDBInstance,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';

export type Params = DuckDBValue[] | Record<string, DuckDBValue>;
export type Row = Record<string, unknown>;
/** Rows as columns: `length` rows, one typed array per column name. */
export interface NumberColumns<K extends string> {
  length: number;
  columns: Record<K, Float64Array>;
}

/** A connection with the two calls services need: run a statement, read rows as JSON-safe values. */
export class Sql {
  private readonly appenders = new Map<string, DuckDBAppender>();
  /** Run once the open transaction commits (dropped if it rolls back); undefined outside one. */
  private commitHooks: (() => void)[] | undefined;

  constructor(readonly connection: DuckDBConnection) {}

  /**
   * A table's appender, kept open across transactions (creating one per commit costs a round trip).
   * Rows reach the table at `flushSync()`, inside whatever transaction is open then.
   */
  async appender(table: string): Promise<DuckDBAppender> {
    let appender = this.appenders.get(table);
    if (!appender) this.appenders.set(table, (appender = await this.connection.createAppender(table)));
    return appender;
  }

  /** Drops rows appended but not flushed (after a failure), so no later transaction takes them. */
  private discardAppenders(): void {
    for (const appender of this.appenders.values()) {
      try {
        appender.clear();
        appender.closeSync();
      } catch {
        // already unusable: nothing left to keep
      }
    }
    this.appenders.clear();
  }

  closeAppenders(): void {
    for (const appender of this.appenders.values()) appender.closeSync();
    this.appenders.clear();
  }

  /**
   * Inserts columns into a table in the open transaction: a few rows through its appender, many
   * through the table function, stored off the JavaScript thread (see columnar.ts).
   */
  async insertColumns(table: string, columns: Column[], length: number): Promise<void> {
    if (length === 0) return;
    if (length <= APPEND_MAX_ROWS) return appendColumns(await this.appender(table), columns, length);
    return insertColumns((statement) => this.run(statement), table, columns, length);
  }

  async run(sql: string, params?: Params): Promise<void> {
    await this.connection.run(sql, bindable(sql, params));
  }

  /**
   * Runs the statements of a script in order, each bound to the named parameters it mentions.
   * DuckDB's own parser splits the text: a `;` in a string or a comment ends no statement.
   */
  async script(sql: string, params?: Record<string, DuckDBValue>): Promise<void> {
    // DuckDB refuses to extract from text without a statement; the old split ran nothing there.
    if (/^[\s;]*$/.test(sql)) return;
    const statements = await this.connection.extractStatements(sql);
    for (let i = 0; i < statements.count; i++) {
      // Prepared only once those before it ran: it may read a table one of them creates.
      const prepared = await statements.prepare(i);
      try {
        for (let p = 1; p <= prepared.parameterCount; p++) {
          const name = prepared.parameterName(p);
          if (params && Object.hasOwn(params, name)) prepared.bindValue(p, params[name]!);
        }
        await prepared.run();
      } finally {
        prepared.destroySync();
      }
    }
  }

  /** BIGINTs come back as strings and timestamps as ISO-like strings: cast in SQL where numbers are wanted. */
  async rows<T = Row>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, bindable(sql, params));
    return reader.getRowObjectsJson() as T[];
  }

  /**
   * A result of numeric columns (INTEGER, DOUBLE, BIGINT…; NULL as NaN), one typed array per
   * column: no object per row. Building row objects took most of the time of the reads of
   * thousands of slots an hour close makes, on the event loop (see docs/benchmarks.md).
   */
  async numbers<K extends string>(sql: string, params?: Params): Promise<NumberColumns<K>> {
    const result = await this.connection.run(sql, bindable(sql, params));
    const chunks = await result.fetchAllChunks();
    const length = chunks.reduce((n, chunk) => n + chunk.rowCount, 0);
    const columns: Record<string, Float64Array> = {};
    for (let c = 0; c < result.columnCount; c++) {
      const out = new Float64Array(length);
      let at = 0;
      for (const chunk of chunks) {
        const vector = chunk.getColumnVector(c);
        for (let j = 0; j < chunk.rowCount; j++) {
          const value = vector.getItem(j);
          if (value !== null && typeof value !== 'number' && typeof value !== 'bigint')
            throw new TypeError(`column ${result.columnName(c)} is not numeric: cast it in the query`);
          out[at + j] = value === null ? NaN : Number(value);
        }
        at += chunk.rowCount;
      }
      columns[result.columnName(c)] = out;
    }
    return { length, columns: columns as Record<K, Float64Array> };
  }

  async one<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.rows<T>(sql, params))[0];
  }

  /**
   * Runs `hook` once what this connection wrote is committed: a cache of committed reads must not
   * be dropped before (a reader could refill it with the old rows) nor kept after.
   */
  afterCommit(hook: () => void): void {
    if (this.commitHooks) this.commitHooks.push(hook);
    else hook();
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.connection.run('BEGIN TRANSACTION');
    const hooks: (() => void)[] = [];
    this.commitHooks = hooks;
    try {
      const result = await fn();
      await this.connection.run('COMMIT');
      this.commitHooks = undefined;
      for (const hook of hooks) hook();
      return result;
    } catch (error) {
      this.commitHooks = undefined;
      this.discardAppenders();
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
}

/** DuckDB refuses named parameters a statement does not use: keep those it mentions. */
const parameterPattern = new Map<string, RegExp>();

function bindable(sql: string, params?: Params): Params | undefined {
  if (!params || Array.isArray(params)) return params;
  const used: Record<string, DuckDBValue> = {};
  for (const [name, value] of Object.entries(params)) {
    let pattern = parameterPattern.get(name);
    if (!pattern) parameterPattern.set(name, (pattern = new RegExp(`\\$${name}\\b`)));
    if (pattern.test(sql)) used[name] = value;
  }
  return Object.keys(used).length > 0 ? used : undefined;
}

/**
 * One DuckDB file per process: one writer connection that every write goes through, in order,
 * and a small pool of reader connections that see committed data only.
 */
export class Database {
  private writeChain: Promise<unknown> = Promise.resolve();
  private readonly idleReaders: Sql[] = [];
  private readonly waiting: ((sql: Sql) => void)[] = [];

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: Sql,
    readers: Sql[],
  ) {
    this.idleReaders.push(...readers);
  }

  static async open(
    file: string,
    options: { memoryLimit?: string; threads?: number; readers?: number } = {},
  ): Promise<Database> {
    const readerCount = options.readers ?? 3;
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const instance = await DuckDBInstance.create(file, {
      // No network here: never try to fetch an extension at run time.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'true',
      // Fewer, larger checkpoints: the WAL already makes each commit durable.
      checkpoint_threshold: '256MB',
      ...(options.memoryLimit ? { memory_limit: options.memoryLimit } : {}),
      ...(options.threads ? { threads: String(options.threads) } : {}),
    });
    const connect = async () => {
      const sql = new Sql(await instance.connect());
      await sql.run("SET TimeZone = 'UTC'");
      return sql;
    };
    const writer = await connect();
    writer.connection.registerTableFunction(columnScanFunction());
    const readers: Sql[] = [];
    for (let i = 0; i < readerCount; i++) readers.push(await connect());
    return new Database(instance, writer, readers);
  }

  /** Runs `fn` on the writer connection after every write queued before it. */
  write<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const next = this.writeChain.then(() => fn(this.writer));
    this.writeChain = next.catch(() => undefined);
    return next;
  }

  async read<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const sql = this.idleReaders.pop() ?? (await new Promise<Sql>((resolve) => this.waiting.push(resolve)));
    try {
      return await fn(sql);
    } finally {
      const waiter = this.waiting.shift();
      if (waiter) waiter(sql);
      else this.idleReaders.push(sql);
    }
  }

  async close(): Promise<void> {
    await this.writeChain;
    await this.writer.run('CHECKPOINT').catch(() => undefined);
    this.writer.closeAppenders();
    for (const sql of [this.writer, ...this.idleReaders]) sql.connection.closeSync();
    this.instance.closeSync();
  }
}
