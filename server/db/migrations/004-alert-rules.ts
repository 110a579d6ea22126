import type { Migration } from '../migrate.js';

// The alert rules of each workspace, as their JSON definition (what they last evaluated to is
// rebuilt at start from the alerts they raised).
export const alertRules: Migration = {
  version: 4,
  name: 'alert-rules',
  up: `
CREATE TABLE alert_rules (
  ws INTEGER NOT NULL,
  id VARCHAR NOT NULL,
  definition VARCHAR NOT NULL
);
`,
};
