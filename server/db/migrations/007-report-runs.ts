import type { Migration } from '../migrate.js';

// Each run of a report, keyed by its idempotency key (schedule:<due time> for a scheduled run):
// claimed before the first mail goes, so a restart or a second tick never sends it again; what
// each recipient's server answered is added as it answers. And the key of unsubscribe links.
export const reportRuns: Migration = {
  version: 7,
  name: 'report-runs',
  up: `
CREATE TABLE report_runs (
  ws INTEGER NOT NULL,
  report VARCHAR NOT NULL,
  run_key VARCHAR NOT NULL,
  scheduled_ms DOUBLE NOT NULL,
  started_ms DOUBLE NOT NULL,
  ended_ms DOUBLE,
  status VARCHAR NOT NULL,
  detail VARCHAR NOT NULL,
  PRIMARY KEY (ws, report, run_key)
);
-- The key that signs a workspace's unsubscribe links: a link works across restarts, and only for
-- the report and address it names.
CREATE TABLE report_keys (
  ws INTEGER PRIMARY KEY,
  secret VARCHAR NOT NULL
);
`,
};
