import type { Sql } from './database.js';

/**
 * One step of the schema, numbered from 1 with no gap: SQL text (run as a script) or code when a
 * step needs it. Each runs in its own transaction with the row that records it.
 */
export interface Migration {
  version: number;
  name: string;
  up: string | ((sql: Sql) => Promise<void>);
}

export interface MigrationReport {
  /** The version the base was at (0: new, or created before migrations existed). */
  from: number;
  to: number;
  applied: string[];
}

/** The base cannot be brought to the schema this code reads: starting would misread or damage it. */
export class SchemaError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export const migrationName = (m: Migration) => `${String(m.version).padStart(3, '0')}-${m.name}`;

const CREATE_VERSIONS = `CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER NOT NULL, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL
)`;

/**
 * Brings the base to the last of `migrations`, applying those above its version in order.
 * Refuses a base at a version above the last: a newer Convergence wrote it.
 */
export async function migrate(
  sql: Sql,
  migrations: readonly Migration[],
  file?: string,
): Promise<MigrationReport> {
  const base = file === undefined ? 'The database' : `The database ${file}`;
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${migrationName(m)} is not number ${i + 1}`);
  });
  await sql.run(CREATE_VERSIONS);
  const from = Number(
    (await sql.one<{ v: number }>('SELECT COALESCE(max(version), 0)::INTEGER AS v FROM schema_version'))!.v,
  );
  const to = migrations.length;
  if (from > to) {
    throw new SchemaError(
      `${base} is at schema version ${from}; this Convergence knows versions up to ${to}.`,
      'A newer Convergence wrote it: run that version (or a newer one), or restore a backup taken before the upgrade. Nothing in the file was changed.',
    );
  }
  const applied: string[] = [];
  for (const migration of migrations.slice(from)) {
    try {
      await sql.transaction(async () => {
        if (typeof migration.up === 'string') await sql.script(migration.up);
        else await migration.up(sql);
        await sql.run('INSERT INTO schema_version VALUES ($version, $name, now()::TIMESTAMP)', {
          version: migration.version,
          name: migration.name,
        });
      });
    } catch (error) {
      const at = from + applied.length;
      throw new SchemaError(
        `Migration ${migrationName(migration)}${file === undefined ? '' : ` of ${file}`} failed: ${(error as Error).message}`,
        `Nothing of it was applied: the database stays at schema version ${at}. Fix the cause (disk space, permissions, a damaged file) and start again, or restore a backup.`,
        { cause: error },
      );
    }
    applied.push(migrationName(migration));
  }
  return { from, to, applied };
}
