// Schema migrations: a base created before they existed is adopted and keeps its data, a second
// start applies nothing, a base newer than the code is refused, a failed step leaves no trace.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { Database, type Sql } from '../../server/db/database.js';
import { type Migration, migrate, migrationName, SchemaError } from '../../server/db/migrate.js';
import { MIGRATIONS } from '../../server/db/migrations/index.js';
import {
  counterRow,
  expectError,
  getSeries,
  postEvents,
  startServer,
  toNdjson,
  visitAt,
} from '../helpers/server.js';
import { SCHEMA_BEFORE_MIGRATIONS } from './support/schema-before-migrations.js';

const LATEST = MIGRATIONS.length;
const initialSql = () => {
  const up = MIGRATIONS[0]!.up;
  if (typeof up !== 'string') throw new Error('migration 001 is SQL text');
  return up;
};

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-migrations-'));
const dbFileIn = (dir: string) => path.join(dir, 'convergence.duckdb');

async function withDb<T>(file: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const db = await Database.open(file, { readers: 1 });
  try {
    return await db.write(fn);
  } finally {
    await db.close();
  }
}

const versions = (sql: Sql) =>
  sql.rows<{ version: number; name: string; applied_at: string }>(
    'SELECT version, name, applied_at::VARCHAR AS applied_at FROM schema_version ORDER BY version',
  );
const tableExists = async (sql: Sql, table: string) =>
  (await sql.one<{ n: number }>(
    'SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = $table',
    {
      table,
    },
  ))!.n === 1;

/** A hub on `dir` whose JSON log lines are collected in `lines`. */
async function start(dir: string, lines: Record<string, unknown>[] = []) {
  const logs = new PassThrough();
  logs.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n'))
      if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return startServer({ dataDir: dir }, { logs });
}

/** Everything the catalog says of the tables, columns, indexes, sequences and constraints of `main`. */
async function catalog(sql: Sql) {
  const notVersions = `schema_name = 'main' AND table_name <> 'schema_version'`;
  return {
    tables: await sql.rows(`SELECT table_name, sql FROM duckdb_tables() WHERE ${notVersions} ORDER BY 1`),
    columns: await sql.rows(
      `SELECT table_name, column_index, column_name, data_type, column_default, is_nullable
       FROM duckdb_columns() WHERE ${notVersions} ORDER BY table_name, column_index`,
    ),
    indexes: await sql.rows(
      `SELECT index_name, table_name, is_unique, is_primary, expressions, sql FROM duckdb_indexes() ORDER BY 1`,
    ),
    sequences: await sql.rows(
      `SELECT sequence_name, start_value, increment_by FROM duckdb_sequences() ORDER BY 1`,
    ),
    constraints: await sql.rows(
      `SELECT table_name, constraint_type, constraint_text, constraint_column_names
       FROM duckdb_constraints() WHERE ${notVersions} ORDER BY ALL`,
    ),
  };
}

describe('migration 001', () => {
  it('creates exactly the schema the plugins created at boot before migrations', async () => {
    const before = await withDb(dbFileIn(tempDir()), async (sql) => {
      for (const statement of SCHEMA_BEFORE_MIGRATIONS) await sql.run(statement);
      return catalog(sql);
    });
    const migrated = await withDb(dbFileIn(tempDir()), async (sql) => {
      await migrate(sql, MIGRATIONS.slice(0, 1));
      return catalog(sql);
    });
    expect(migrated.tables.length).toBe(17);
    expect(migrated).toEqual(before);
  });

  it('adopts a base older than the quarantine’s cut column, adding it', async () => {
    const file = dbFileIn(tempDir());
    await withDb(file, async (sql) => {
      for (const statement of SCHEMA_BEFORE_MIGRATIONS.filter((s) => !s.includes('ADD COLUMN')))
        await sql.run(statement);
      await sql.run(`INSERT INTO quarantine VALUES (1, 1, now()::TIMESTAMP, 'r', 'f', 'm', 'ndjson', '{}')`);
      await migrate(sql, MIGRATIONS);
    });
    const fresh = await withDb(
      dbFileIn(tempDir()),
      async (sql) => (await migrate(sql, MIGRATIONS), catalog(sql)),
    );
    await withDb(file, async (sql) => {
      expect(await catalog(sql)).toEqual(fresh);
      expect(await sql.rows('SELECT id::INTEGER AS id, cut FROM quarantine')).toEqual([
        { id: 1, cut: false },
      ]);
    });
  });
});

describe('a base created before migrations (tables, no schema_version)', () => {
  const dir = tempDir();
  const file = dbFileIn(dir);
  const ts = (iso: string) => iso.replace('T', ' ').replace('Z', '');
  const layout = {
    kpis: ['visits', 'double_visits'],
    boards: ['tiles', 'alerts'],
    window: '7d',
    rotateSeconds: 20,
  };
  const alert = {
    id: 'a1',
    kind: 'source_silent',
    severity: 'warning',
    message: { en: 'Source web is silent', fr: 'La source web est muette' },
    at: '2026-03-10T10:05:00.000Z',
    acknowledged: true,
    subject: { source: 'web' },
  };
  const objective = {
    id: 'visits_goal',
    kpi: 'visits',
    brand: 'acme',
    period: { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' },
    target: 100,
    direction: 'at_least',
  };
  const doubleVisits = {
    id: 'double_visits',
    label: { en: 'Double visits', fr: 'Double visits' },
    touchpoints: ['site'],
    group: 'site',
    formula: {
      kind: 'custom',
      text: 'sum(visits) * 2',
      tree: {
        type: 'binary',
        op: '*',
        left: { type: 'aggregate', fn: 'sum', metric: 'visits', where: [] },
        right: { type: 'number', value: 2 },
      },
    },
    unit: 'count',
    direction: 'higher',
    shareable: false,
  };
  const counts = () =>
    withDb(file, async (sql) => {
      const tables = (
        await sql.rows<{ t: string }>(
          `SELECT table_name AS t FROM duckdb_tables() WHERE table_name <> 'schema_version' ORDER BY 1`,
        )
      ).map((r) => r.t);
      const out: Record<string, number> = {};
      for (const t of tables)
        out[t] = (await sql.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${t}`))!.n;
      return out;
    });
  let inserted: Record<string, number>;
  const pick = (all: Record<string, number>, names: string[]) =>
    Object.fromEntries(names.map((n) => [n, all[n]]));
  const firstLogs: Record<string, unknown>[] = [];

  beforeAll(async () => {
    // As the code before migrations left it: the tables of 001, no schema_version, data in each.
    await withDb(file, async (sql) => {
      await sql.script(initialSql());
      const t0 = ts('2026-01-05T09:00:00.000Z');
      await sql.script(
        `INSERT INTO workspaces VALUES (1, 'legacy', 'Legacy team', 'Europe/Paris', '${t0}', '${t0}');
        INSERT INTO brands VALUES (1, 'acme', 'Acme', true, true, 0), (1, 'globex', 'Globex', false, true, 1),
          (1, 'initech', 'Initech', false, false, 2);
        INSERT INTO workspace_metrics VALUES (1, 'pins', $pins);
        INSERT INTO series VALUES (1, 1, 'acme', 'site', 'web', 'visits');
        INSERT INTO events VALUES (1, 1, '2026-03-10 10:00:10', 2), (1, 1, '2026-03-10 10:00:30', 3);
        INSERT INTO rollup_minute VALUES (1, 1, '2026-03-10 10:00:00', 5, 2, 2, 3, '2026-03-10 10:00:30', 3, 1);
        INSERT INTO rollup_hour VALUES (1, 1, '2026-03-10 10:00:00', 5, 2, 2, 3, '2026-03-10 10:00:30', 3, 1);
        INSERT INTO rollup_day VALUES (1, 1, '2026-03-10 00:00:00', 5, 2, 2, 3, '2026-03-10 10:00:30', 3, 1);
        INSERT INTO rollup_state VALUES ('compacted_gen', 1);
        INSERT INTO ingest_ledger VALUES (1, 'legacy-key', 'hash-of-another-body', $answer, now()::TIMESTAMP);
        INSERT INTO quarantine VALUES (1, 7, '2026-03-10 10:00:00', 'unknown_brand', 'brand',
          'Brand "umbrella" is not in the set.', 'ndjson', $held, false);
        INSERT INTO dpi_weights VALUES (1, $weights);
        INSERT INTO custom_kpis VALUES (1, 'double_visits', $kpi);
        INSERT INTO objectives VALUES (1, 'visits_goal', $objective);
        INSERT INTO wall_layouts VALUES (1, $layout);
        INSERT INTO last_commits VALUES (1, '2026-03-10 10:01:00');
        INSERT INTO alerts VALUES (1, 'a1', '2026-03-10 10:05:00', $alert)`,
        {
          pins: JSON.stringify({
            id: 'pins',
            kind: 'counter',
            unit: 'count',
            touchpoints: ['social'],
            label: { en: 'Pins', fr: 'Épingles' },
          }),
          answer: JSON.stringify({ accepted: 2, rejected: 0, errors: [] }),
          held: JSON.stringify({ brand: 'umbrella' }),
          weights: JSON.stringify({
            touchpoints: { search: 2, site: 1, social: 1, media: 1, viral: 0 },
            kpis: { visits: 3 },
          }),
          kpi: JSON.stringify(doubleVisits),
          objective: JSON.stringify(objective),
          layout: JSON.stringify(layout),
          alert: JSON.stringify(alert),
        },
      );
      expect(await tableExists(sql, 'schema_version')).toBe(false);
    });
    inserted = await counts();
  });

  it(`upgrades to version ${LATEST} at start and keeps its data, read back through the API`, async () => {
    const server = await start(dir, firstLogs);
    try {
      const get = async <T>(p: string): Promise<T> => {
        const response = await fetch(`${server.url}/api/v1/workspaces/legacy${p}`);
        expect(response.status, p).toBe(200);
        return (await response.json()) as T;
      };
      expect(await get('')).toMatchObject({
        id: 'legacy',
        name: 'Legacy team',
        timezone: 'Europe/Paris',
        createdAt: '2026-01-05T09:00:00.000Z',
        brands: [
          { id: 'acme', name: 'Acme', own: true },
          { id: 'globex', name: 'Globex', own: false },
        ],
      });
      const metrics = await get<{ rows: { id: string; own: boolean; touchpoints: string[] }[] }>('/metrics');
      expect(metrics.rows.filter((m) => m.own)).toEqual([
        expect.objectContaining({ id: 'pins', touchpoints: ['social'] }),
      ]);
      const window = { metric: 'visits', from: '2026-03-10T00:00:00Z', to: '2026-03-11T00:00:00Z' };
      expect(await getSeries(server.url, 'legacy', { ...window, grain: 'minute' })).toEqual([
        counterRow('2026-03-10T10:00:00.000Z', [2, 3]),
      ]);
      expect(await getSeries(server.url, 'legacy', { ...window, grain: 'hour' })).toEqual([
        counterRow('2026-03-10T10:00:00.000Z', [2, 3]),
      ]);
      expect(
        await getSeries(server.url, 'legacy', { ...window, from: '2026-03-09T23:00:00Z', grain: 'day' }),
      ).toEqual([counterRow('2026-03-10T00:00:00+01:00', [2, 3])]);
      const range = 'from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z';
      expect(await get<{ value: number }>(`/kpis/double_visits?brand=acme&${range}`)).toMatchObject({
        value: 10,
      });
      expect((await get<{ rows: { id: string }[] }>('/kpis')).rows.map((k) => k.id)).toContain(
        'double_visits',
      );
      expect(await get('/dpi-weights')).toMatchObject({
        touchpoints: { search: 2, viral: 0 },
        kpis: { visits: 3 },
      });
      const objectives = await get<{ rows: { id: string; target: number }[] }>(
        '/objectives?at=2026-03-15T00:00:00Z',
      );
      expect(objectives.rows).toEqual([expect.objectContaining({ id: 'visits_goal', target: 100 })]);
      expect(await get('/wall')).toEqual(layout);
      expect(await get('/alerts')).toEqual({ rows: [alert] });
      const held = await get<{ rows: { id: string; reason: string; raw: unknown }[] }>('/quarantine');
      expect(held.rows).toEqual([
        expect.objectContaining({ id: '7', reason: 'unknown_brand', raw: { brand: 'umbrella' } }),
      ]);
      // The ledger row is read: the same key with another body is refused, not taken as new.
      const again = await postEvents(server.url, 'legacy', toNdjson([visitAt(0)]), 'application/x-ndjson', {
        idempotencyKey: 'legacy-key',
      });
      await expectError(again, 422, 'idempotency_key_reused');
      expect(server.app.engine.lastCommit('legacy')).toBe(Date.parse('2026-03-10T10:01:00Z'));
    } finally {
      await server.close();
    }
    expect(firstLogs).toContainEqual(
      expect.objectContaining({
        msg: 'database schema migrated',
        from: 0,
        to: LATEST,
        applied: MIGRATIONS.map(migrationName),
      }),
    );
    await withDb(file, async (sql) => {
      expect((await versions(sql)).map(({ version, name }) => ({ version, name }))).toEqual(
        MIGRATIONS.map(({ version, name }) => ({ version, name })),
      );
      // Raw events and the compaction watermark have no route: read from the file.
      expect(await sql.rows('SELECT series, value FROM events ORDER BY ts')).toEqual([
        { series: 1, value: 2 },
        { series: 1, value: 3 },
      ]);
      expect(await sql.rows('SELECT name, value::INTEGER AS value FROM rollup_state')).toEqual([
        { name: 'compacted_gen', value: 1 },
      ]);
    });
    // The old tables hold what they held; the new ones (people, sessions, audit) are beside them.
    expect(pick(await counts(), Object.keys(inserted))).toEqual(inserted);
  });

  it('applies nothing at a second start', async () => {
    const before = await withDb(file, versions);
    expect(before.length).toBe(LATEST);
    const lines: Record<string, unknown>[] = [];
    const server = await start(dir, lines);
    await server.close();
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'database schema up to date', version: LATEST }),
    );
    expect(lines.some((l) => l.msg === 'database schema migrated')).toBe(false);
    expect(await withDb(file, versions)).toEqual(before);
    // The old tables hold what they held; the new ones (people, sessions, audit) are beside them.
    expect(pick(await counts(), Object.keys(inserted))).toEqual(inserted);
  });
});

describe('a base newer than the code', () => {
  it('is refused at start with what to do, and left as it was', async () => {
    const dir = tempDir();
    const file = dbFileIn(dir);
    await withDb(file, async (sql) => {
      await migrate(sql, MIGRATIONS);
      await sql.run(`INSERT INTO schema_version VALUES (${LATEST + 1}, 'from-the-future', now()::TIMESTAMP)`);
    });
    const before = await withDb(file, async (sql) => ({
      versions: await versions(sql),
      catalog: await catalog(sql),
    }));
    const failure = await start(dir).then(
      async (server) => {
        await server.close();
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SchemaError);
    const { message, hint } = failure as SchemaError;
    expect(message).toBe(
      `The database ${file} is at schema version ${LATEST + 1}; this Convergence knows versions up to ${LATEST}.`,
    );
    expect(hint).toMatch(/run that version \(or a newer one\), or restore a backup/);
    // The file was released (opened again here) and not changed.
    expect(
      await withDb(file, async (sql) => ({ versions: await versions(sql), catalog: await catalog(sql) })),
    ).toEqual(before);
  });
});

describe('a migration that fails', () => {
  const broken = (up: Migration['up']): Migration[] => [
    ...MIGRATIONS,
    { version: LATEST + 1, name: 'broken', up },
  ];

  it.each([
    [
      'SQL',
      `CREATE TABLE extra (a INTEGER); INSERT INTO extra VALUES (1); INSERT INTO no_such_table VALUES (1)`,
    ],
    [
      'code',
      async (sql: Sql) => {
        await sql.run('CREATE TABLE extra (a INTEGER)');
        await sql.run(`ALTER TABLE workspaces ADD COLUMN color VARCHAR`);
        throw new Error('the step gave up');
      },
    ],
  ] as const)('(%s) rolls back and leaves the version unchanged', async (_, up) => {
    const file = dbFileIn(tempDir());
    await withDb(file, async (sql) => {
      await migrate(sql, MIGRATIONS);
      const before = { versions: await versions(sql), catalog: await catalog(sql) };
      const error = await migrate(sql, broken(up)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SchemaError);
      expect((error as SchemaError).message).toMatch(
        new RegExp(`^Migration ${String(LATEST + 1).padStart(3, '0')}-broken failed: `),
      );
      expect((error as SchemaError).hint).toContain(`the database stays at schema version ${LATEST}`);
      expect(await tableExists(sql, 'extra')).toBe(false);
      expect({ versions: await versions(sql), catalog: await catalog(sql) }).toEqual(before);
    });
  });

  it('applies the next ones at a later start once fixed, each recorded', async () => {
    const file = dbFileIn(tempDir());
    await withDb(file, async (sql) => {
      expect(await migrate(sql, MIGRATIONS)).toEqual({
        from: 0,
        to: LATEST,
        applied: MIGRATIONS.map(migrationName),
      });
      const next: Migration[] = [
        ...MIGRATIONS,
        {
          version: LATEST + 1,
          name: 'extra',
          up: 'CREATE TABLE extra (a INTEGER); INSERT INTO extra VALUES (1)',
        },
        { version: LATEST + 2, name: 'more', up: (s) => s.run('INSERT INTO extra VALUES (2)') },
      ];
      const pad = (n: number) => String(n).padStart(3, '0');
      expect(await migrate(sql, next)).toEqual({
        from: LATEST,
        to: LATEST + 2,
        applied: [`${pad(LATEST + 1)}-extra`, `${pad(LATEST + 2)}-more`],
      });
      expect((await versions(sql)).map((v) => v.name)).toEqual([
        ...MIGRATIONS.map((m) => m.name),
        'extra',
        'more',
      ]);
      expect(await sql.rows('SELECT a FROM extra ORDER BY a')).toEqual([{ a: 1 }, { a: 2 }]);
      expect((await migrate(sql, next)).applied).toEqual([]);
    });
  });

  it('refuses a list that is not numbered 1, 2, 3 … in order', async () => {
    const file = dbFileIn(tempDir());
    await withDb(file, async (sql) => {
      const gap = [...MIGRATIONS, { version: LATEST + 2, name: 'gap', up: 'SELECT 1' }];
      await expect(migrate(sql, gap)).rejects.toThrow(/is not number/);
      expect(await tableExists(sql, 'schema_version')).toBe(false);
    });
  });
});

describe('the build', () => {
  it('holds the migrations: they are TypeScript modules (tsc copies no .sql file into dist/)', () => {
    const dir = path.join(import.meta.dirname, '../../server/db/migrations');
    const files = fs.readdirSync(dir).filter((f) => f !== 'index.ts');
    expect(files.every((f) => /^\d{3}-[a-z0-9-]+\.ts$/.test(f))).toBe(true);
    expect(files.map((f) => Number(f.slice(0, 3)))).toEqual(MIGRATIONS.map((m) => m.version));
    expect(
      fs
        .readdirSync(path.join(import.meta.dirname, '../../server'), { recursive: true })
        .filter((f) => String(f).endsWith('.sql')),
    ).toEqual([]);
  });
});
