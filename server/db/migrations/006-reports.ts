import type { Migration } from '../migrate.js';

// Scheduled e-mail reports of a workspace, each a JSON definition (schedule, recipients, content).
export const reports: Migration = {
  version: 6,
  name: 'reports',
  up: `
CREATE TABLE reports (
  ws INTEGER NOT NULL,
  id VARCHAR NOT NULL,
  definition VARCHAR NOT NULL
);
`,
};
