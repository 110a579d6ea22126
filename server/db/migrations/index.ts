import type { Migration } from '../migrate.js';
import { initial } from './001-initial.js';
import { peopleAndKeys } from './002-people-and-keys.js';
import { forecasts } from './003-forecasts.js';
import { alertRules } from './004-alert-rules.js';
import { minVolumes } from './005-min-volumes.js';
import { reports } from './006-reports.js';
import { reportRuns } from './007-report-runs.js';

// A schema change is a new file NNN-name.ts exporting a Migration (SQL text, or code when a step
// needs it), listed here last with the next number. A migration some base has applied is never
// edited: that base would not run it again. TypeScript modules rather than .sql files: tsc emits
// them into dist/ with the rest of the server.

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  initial,
  peopleAndKeys,
  forecasts,
  alertRules,
  minVolumes,
  reports,
  reportRuns,
];
