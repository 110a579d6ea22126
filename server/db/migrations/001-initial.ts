import type { Migration } from '../migrate.js';

// The schema as the capability plugins created it at boot before migrations existed, in their
// boot order. Every statement is IF NOT EXISTS, so that a base created then (tables present, no
// schema_version) is adopted as version 1 unchanged. Frozen: later changes are later migrations.
const rollupColumns = `ws INTEGER NOT NULL, series INTEGER NOT NULL, bucket TIMESTAMP NOT NULL,
    sum DOUBLE NOT NULL, count BIGINT NOT NULL, min DOUBLE NOT NULL, max DOUBLE NOT NULL,
    last_ts TIMESTAMP NOT NULL, last_value DOUBLE NOT NULL, gen BIGINT NOT NULL`;

export const initial: Migration = {
  version: 1,
  name: 'initial',
  up: `
-- Workspaces. key is the compact internal scope stored on every data row.
CREATE TABLE IF NOT EXISTS workspaces (
  key INTEGER NOT NULL,
  id VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  timezone VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
-- No primary keys: DuckDB cannot delete and re-insert an indexed key in one transaction, and
-- every write goes through the single writer, which keeps ids unique.
CREATE TABLE IF NOT EXISTS workspace_metrics (ws INTEGER NOT NULL, id VARCHAR NOT NULL, definition VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS brands (
  ws INTEGER NOT NULL,
  id VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  own BOOLEAN NOT NULL,
  active BOOLEAN NOT NULL,
  position INTEGER NOT NULL
);

-- Rollups: the series-key dictionary and the minute/hour/day partial aggregates. minute and hour
-- buckets are UTC; day buckets are local midnight in the workspace time zone.
CREATE TABLE IF NOT EXISTS series (
  ws INTEGER NOT NULL, id INTEGER NOT NULL,
  brand VARCHAR NOT NULL, touchpoint VARCHAR NOT NULL, source VARCHAR NOT NULL, metric VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS rollup_minute (${rollupColumns});
CREATE TABLE IF NOT EXISTS rollup_hour (${rollupColumns});
CREATE TABLE IF NOT EXISTS rollup_day (${rollupColumns});
CREATE TABLE IF NOT EXISTS rollup_state (name VARCHAR NOT NULL, value BIGINT NOT NULL);

-- Ingest: raw events (24 bytes a row: series keys live in the rollups' dictionary), the
-- idempotency ledger and the quarantine.
CREATE TABLE IF NOT EXISTS events (
  ws INTEGER NOT NULL, series INTEGER NOT NULL, ts TIMESTAMP NOT NULL, value DOUBLE NOT NULL
);
CREATE TABLE IF NOT EXISTS ingest_ledger (
  ws INTEGER NOT NULL, idem_key VARCHAR NOT NULL, body_hash VARCHAR NOT NULL,
  response VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL
);
CREATE INDEX IF NOT EXISTS ingest_ledger_key ON ingest_ledger (ws, idem_key);
CREATE TABLE IF NOT EXISTS quarantine (
  ws INTEGER NOT NULL, id BIGINT NOT NULL, received_at TIMESTAMP NOT NULL, reason VARCHAR NOT NULL,
  field VARCHAR NOT NULL, message VARCHAR NOT NULL, format VARCHAR NOT NULL, raw VARCHAR NOT NULL
);
-- A row longer than 4 KB keeps its first 4 KB (cut = true). Added after the table, as bases
-- older than the column have it: the column stays last.
ALTER TABLE quarantine ADD COLUMN IF NOT EXISTS cut BOOLEAN DEFAULT false;

-- KPIs: DPI weights, custom KPI definitions and objectives, as JSON text.
CREATE TABLE IF NOT EXISTS dpi_weights (ws INTEGER NOT NULL, weights VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS custom_kpis (ws INTEGER NOT NULL, id VARCHAR NOT NULL, definition VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS objectives (ws INTEGER NOT NULL, id VARCHAR NOT NULL, definition VARCHAR NOT NULL);

-- Live: the wall layout per workspace, the last commit time ("data as of" survives a restart),
-- and the alerts (a restart keeps them and what was acknowledged).
CREATE TABLE IF NOT EXISTS wall_layouts (ws INTEGER NOT NULL, layout VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS last_commits (ws INTEGER NOT NULL, committed_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (
  ws INTEGER NOT NULL, id VARCHAR NOT NULL, raised_at TIMESTAMP NOT NULL, body VARCHAR NOT NULL
);
`,
};
