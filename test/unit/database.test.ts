import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../server/db/database.js';

let db: Database;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-db-'));
  db = await Database.open(path.join(dir, 'test.duckdb'), { readers: 1 });
  await db.write((sql) => sql.run('CREATE TABLE t (v INTEGER)'));
});
afterAll(async () => {
  await db.close();
});

const values = () =>
  db.read(async (sql) => (await sql.rows<{ v: number }>('SELECT v FROM t ORDER BY v')).map((r) => r.v));

describe('the writer connection', () => {
  it('keeps appenders across transactions: rows land in the transaction that flushes them', async () => {
    await db.write((sql) =>
      sql.transaction(async () => {
        const appender = await sql.appender('t');
        appender.appendInteger(1);
        appender.endRow();
        appender.flushSync();
      }),
    );
    await db
      .write((sql) =>
        sql.transaction(async () => {
          const appender = await sql.appender('t');
          appender.appendInteger(2);
          appender.endRow();
          appender.flushSync();
          throw new Error('the batch fails after its rows were appended');
        }),
      )
      .catch(() => undefined);
    expect(await values()).toEqual([1]);
  });

  it('drops rows appended but not flushed by a failed transaction, so the next one does not take them', async () => {
    await db
      .write((sql) =>
        sql.transaction(async () => {
          const appender = await sql.appender('t');
          appender.appendInteger(3);
          appender.endRow();
          throw new Error('the batch fails before its flush');
        }),
      )
      .catch(() => undefined);
    await db.write((sql) =>
      sql.transaction(async () => {
        const appender = await sql.appender('t');
        appender.appendInteger(4);
        appender.endRow();
        appender.flushSync();
      }),
    );
    expect(await values()).toEqual([1, 4]);
  });
});

describe('inserting columns', () => {
  const rows = (n: number, base: number) => ({
    ws: new Int32Array(n).fill(7),
    series: Int32Array.from({ length: n }, (_, i) => i % 97),
    ts: Float64Array.from({ length: n }, (_, i) => Date.parse('2026-03-10T10:00:00Z') + i * 1.5 + base),
    value: Float64Array.from({ length: n }, (_, i) => (i % 11) + 0.25),
  });
  const insert = (sql: Parameters<Parameters<Database['write']>[0]>[0], r: ReturnType<typeof rows>) =>
    sql.insertColumns(
      'c',
      [
        { kind: 'integer', values: r.ws },
        { kind: 'integer', values: r.series },
        { kind: 'timestamp', values: r.ts },
        { kind: 'double', values: r.value },
      ],
      r.ws.length,
    );
  const totals = () =>
    db.read((sql) =>
      sql.one<{ n: number; s: number; us: string }>(
        'SELECT count(*)::INTEGER AS n, sum(value) AS s, sum(epoch_us(ts))::VARCHAR AS us FROM c',
      ),
    );

  it('stores a few rows (appender) and many (table function) exactly, in the transaction that holds them', async () => {
    await db.write((sql) =>
      sql.run('CREATE TABLE c (ws INTEGER, series INTEGER, ts TIMESTAMP, value DOUBLE)'),
    );
    const small = rows(1_000, 0);
    const large = rows(200_003, 0.5);
    await db.write((sql) => sql.transaction(() => insert(sql, small)));
    await db.write((sql) => sql.transaction(() => insert(sql, large)));
    // A failed transaction leaves nothing of its large insert behind.
    await db
      .write((sql) =>
        sql.transaction(async () => {
          await insert(sql, rows(100_000, 0));
          throw new Error('the batch fails after its insert');
        }),
      )
      .catch(() => undefined);
    const expected = [small, large].reduce(
      (t, r) => ({
        n: t.n + r.ws.length,
        s: t.s + r.value.reduce((a, b) => a + b, 0),
        us: t.us + r.ts.reduce((a, b) => a + BigInt(Math.round(b * 1000)), 0n),
      }),
      { n: 0, s: 0, us: 0n },
    );
    const got = await totals();
    expect({ n: got!.n, s: got!.s, us: got!.us }).toEqual({
      n: expected.n,
      s: expected.s,
      us: String(expected.us),
    });
  });
});

describe('scripts', () => {
  it('runs statements split by DuckDB, not at every ";": strings and comments keep theirs', async () => {
    await db.write((sql) =>
      sql.script(`CREATE TABLE s (v INTEGER, note VARCHAR);
        -- a comment; with a semicolon
        INSERT INTO s VALUES (1, 'one; two');
        INSERT INTO s VALUES (2, '/* ; */');;`),
    );
    const rows = await db.read((sql) =>
      sql.rows<{ v: number; note: string }>('SELECT v, note FROM s ORDER BY v'),
    );
    expect(rows).toEqual([
      { v: 1, note: 'one; two' },
      { v: 2, note: '/* ; */' },
    ]);
  });

  it('binds each statement to the named parameters it mentions, and ignores the others', async () => {
    await db.write((sql) =>
      sql.script(
        `CREATE TEMP TABLE p AS SELECT $a::INTEGER AS a; INSERT INTO p SELECT a + $b FROM p;
         DELETE FROM s WHERE v = $a`,
        { a: 1, b: 10, unused: 'x' },
      ),
    );
    const [p, s] = await db.write(async (sql) => [
      (await sql.rows<{ a: number }>('SELECT a FROM p ORDER BY a')).map((r) => r.a),
      (await sql.rows<{ v: number }>('SELECT v FROM s ORDER BY v')).map((r) => r.v),
    ]);
    expect({ p, s }).toEqual({ p: [1, 11], s: [2] });
  });

  it('runs nothing for a blank script, and fails on a statement that does not parse', async () => {
    await db.write((sql) => sql.script(' ; \n'));
    await expect(db.write((sql) => sql.script('SELECT 1; SELEC 2'))).rejects.toThrow(/syntax error/);
  });
});

describe('numeric columns', () => {
  it('reads columns across chunks as typed arrays: NULL as NaN, BIGINT as a number, in row order', async () => {
    const { length, columns } = await db.read((sql) =>
      sql.numbers<'i' | 'half' | 'big'>(
        `SELECT i::INTEGER AS i, CASE WHEN i % 3 = 0 THEN NULL ELSE i / 2 END::DOUBLE AS half,
           (i * 1000000000)::BIGINT AS big FROM range($n) t(i) ORDER BY i`,
        { n: 5000 },
      ),
    );
    // 5 000 rows: more than DuckDB's 2 048 rows a chunk.
    expect(length).toBe(5000);
    expect(columns.i).toBeInstanceOf(Float64Array);
    expect([...columns.i.slice(4094, 4098)]).toEqual([4094, 4095, 4096, 4097]);
    expect([...columns.half.slice(0, 4)]).toEqual([NaN, 0.5, 1, NaN]);
    expect(columns.big[4999]).toBe(4_999_000_000_000);
  });

  it('refuses a column that is not numeric, naming it', async () => {
    await expect(db.read((sql) => sql.numbers(`SELECT 'a' AS label`))).rejects.toThrow(
      /label is not numeric/,
    );
  });
});
