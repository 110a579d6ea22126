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
