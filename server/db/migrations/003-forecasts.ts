import type { Migration } from '../migrate.js';

// The forecasts last fitted, one per KPI, brand and grain of a workspace: models refit on a slow
// cadence, and between refits the stored forecast is what a bucket is judged against.
export const forecasts: Migration = {
  version: 3,
  name: 'forecasts',
  up: `
CREATE TABLE forecasts (
  ws INTEGER NOT NULL,
  kpi VARCHAR NOT NULL,
  brand VARCHAR NOT NULL,
  grain VARCHAR NOT NULL,
  fitted_at TIMESTAMP NOT NULL,
  forecast VARCHAR NOT NULL
);
`,
};
