// The DDL each capability plugin ran at boot before schema migrations existed (commit 54ddce3),
// copied verbatim in boot order: what a base created by that code holds. Frozen on purpose.

const rollupColumns = `ws INTEGER NOT NULL, series INTEGER NOT NULL, bucket TIMESTAMP NOT NULL,
    sum DOUBLE NOT NULL, count BIGINT NOT NULL, min DOUBLE NOT NULL, max DOUBLE NOT NULL,
    last_ts TIMESTAMP NOT NULL, last_value DOUBLE NOT NULL, gen BIGINT NOT NULL`;
const GRAIN_TABLES = { minute: 'rollup_minute', hour: 'rollup_hour', day: 'rollup_day' };

const workspaces = [
  `CREATE TABLE IF NOT EXISTS workspaces (
    key INTEGER NOT NULL,
    id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    timezone VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
  )`,
  // No primary keys: DuckDB cannot delete and re-insert an indexed key in one transaction, and
  // every write goes through the single writer, which keeps ids unique.
  `CREATE TABLE IF NOT EXISTS workspace_metrics (ws INTEGER NOT NULL, id VARCHAR NOT NULL, definition VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS brands (
    ws INTEGER NOT NULL,
    id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    own BOOLEAN NOT NULL,
    active BOOLEAN NOT NULL,
    position INTEGER NOT NULL
  )`,
];

const rollups = [
  `CREATE TABLE IF NOT EXISTS series (
    ws INTEGER NOT NULL, id INTEGER NOT NULL,
    brand VARCHAR NOT NULL, touchpoint VARCHAR NOT NULL, source VARCHAR NOT NULL, metric VARCHAR NOT NULL
  )`,
  // minute and hour buckets are UTC; day buckets are local midnight in the workspace time zone.
  ...Object.values(GRAIN_TABLES).map((table) => `CREATE TABLE IF NOT EXISTS ${table} (${rollupColumns})`),
  `CREATE TABLE IF NOT EXISTS rollup_state (name VARCHAR NOT NULL, value BIGINT NOT NULL)`,
];

const ingest = [
  // Series keys (brand, touchpoint, source, metric) live in the rollups' dictionary: a row is 24 bytes.
  `CREATE TABLE IF NOT EXISTS events (
    ws INTEGER NOT NULL, series INTEGER NOT NULL, ts TIMESTAMP NOT NULL, value DOUBLE NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS ingest_ledger (
    ws INTEGER NOT NULL, idem_key VARCHAR NOT NULL, body_hash VARCHAR NOT NULL,
    response VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS ingest_ledger_key ON ingest_ledger (ws, idem_key)`,
  `CREATE TABLE IF NOT EXISTS quarantine (
    ws INTEGER NOT NULL, id BIGINT NOT NULL, received_at TIMESTAMP NOT NULL, reason VARCHAR NOT NULL,
    field VARCHAR NOT NULL, message VARCHAR NOT NULL, format VARCHAR NOT NULL, raw VARCHAR NOT NULL
  )`,
  // A row longer than 4 KB keeps its first 4 KB (cut = true): a quarantine page stays small.
  `ALTER TABLE quarantine ADD COLUMN IF NOT EXISTS cut BOOLEAN DEFAULT false`,
];

const kpi = [
  `CREATE TABLE IF NOT EXISTS dpi_weights (ws INTEGER NOT NULL, weights VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS custom_kpis (ws INTEGER NOT NULL, id VARCHAR NOT NULL, definition VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS objectives (ws INTEGER NOT NULL, id VARCHAR NOT NULL, definition VARCHAR NOT NULL)`,
];

const live = [
  `CREATE TABLE IF NOT EXISTS wall_layouts (ws INTEGER NOT NULL, layout VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS last_commits (ws INTEGER NOT NULL, committed_at TIMESTAMP NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS alerts (
    ws INTEGER NOT NULL, id VARCHAR NOT NULL, raised_at TIMESTAMP NOT NULL, body VARCHAR NOT NULL
  )`,
];

export const SCHEMA_BEFORE_MIGRATIONS: string[] = [...workspaces, ...rollups, ...ingest, ...kpi, ...live];
