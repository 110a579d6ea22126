import type { IngestResult, RowError } from '../../shared/schemas/ingest.js';
import type { WorkspaceState } from '../workspaces/service.js';
import type { RawText } from './raw.js';
import type { AcceptedRows, ReplaceScope } from './validate.js';

/** One request's rows, checked and ready for the writer to commit. */
export interface WriteJob {
  workspace: WorkspaceState;
  accepted: AcceptedRows;
  rejected: RowError[];
  /** The sources its rejected rows name: heard from, though nothing of theirs is stored. */
  rejectedSources?: string[];
  rawText: (row: number) => RawText;
  format: string;
  response: IngestResult;
  ledger?: { key: string; hash: string };
  replace?: ReplaceScope;
  /** Quarantine rows to drop in the same transaction (a replay that now passes). */
  releaseQuarantine?: bigint[];
}
