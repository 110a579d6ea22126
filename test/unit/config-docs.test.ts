import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_OPTIONS } from '../../server/config.js';

// docs/operations.md documents every setting; its table must say what the config schema does, so
// a default changed in one place and not the other fails here.

const documented = new Map<string, { flag: string; fallback: string }>();
for (const line of fs.readFileSync('docs/operations.md', 'utf8').split('\n')) {
  const row = /^\| `([A-Z_]+)`\s*\| `--([a-z-]+)`\s*\|([^|]*)\|/.exec(line);
  if (row) documented.set(row[1]!, { flag: row[2]!, fallback: row[3]!.trim() });
}

// Defaults that the table states in words, because the schema's value stands for something else.
const IN_WORDS: Record<string, string> = {
  INGEST_INFLIGHT_MB: '192 or 2 × `MAX_BODY_MB`',
  ALLOWED_HOSTS: '(none)',
  PUBLIC_URL: '(none)',
  SMTP_URL: '(none)',
  TRUST_PROXY: '(none)',
  DUCKDB_MEMORY_LIMIT: "DuckDB's (80% RAM)",
  DUCKDB_THREADS: '0 (one per core)',
  CONVERGENCE_ADMIN_PASSWORD: '(random, printed once)',
  KEY_INGEST_PER_MINUTE: '0 (no limit)',
};

describe('the configuration table of docs/operations.md', () => {
  it('lists every setting with its flag and default, and nothing else', () => {
    for (const option of CONFIG_OPTIONS) {
      expect(documented.get(option.env), option.env).toEqual({
        flag: option.flag,
        fallback: IN_WORDS[option.env] ?? String(option.default),
      });
    }
    expect([...documented.keys()].sort()).toEqual(CONFIG_OPTIONS.map((o) => o.env).sort());
  });
});
