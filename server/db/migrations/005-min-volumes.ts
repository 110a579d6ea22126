import type { Migration } from '../migrate.js';

// Each workspace's minimum volumes for ratio KPIs (its default and per-KPI overrides), as JSON.
export const minVolumes: Migration = {
  version: 5,
  name: 'min-volumes',
  up: `
CREATE TABLE min_volumes (
  ws INTEGER NOT NULL,
  settings VARCHAR NOT NULL
);
`,
};
