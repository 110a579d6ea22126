// Reports (one JSON definition per workspace and id), their runs and the key of their links.
export const q = {
  list: `SELECT definition FROM reports WHERE ws = $ws ORDER BY id`,
  one: `SELECT definition FROM reports WHERE ws = $ws AND id = $id`,
  put: `DELETE FROM reports WHERE ws = $ws AND id = $id; INSERT INTO reports VALUES ($ws, $id, $definition)`,
  delete: `DELETE FROM reports WHERE ws = $ws AND id = $id; DELETE FROM report_runs WHERE ws = $ws AND report = $id`,
  deleteWorkspace: `DELETE FROM reports WHERE ws = $ws; DELETE FROM report_runs WHERE ws = $ws; DELETE FROM report_keys WHERE ws = $ws`,

  /** The claim of a run: nothing comes back when that key already ran (or runs). */
  claimRun: `INSERT INTO report_runs VALUES ($ws, $report, $key, $scheduled, $started, NULL, 'running', $detail)
    ON CONFLICT DO NOTHING RETURNING run_key`,
  updateRun: `UPDATE report_runs SET status = $status, ended_ms = $ended, detail = $detail
    WHERE ws = $ws AND report = $report AND run_key = $key`,
  runs: `SELECT run_key, scheduled_ms, started_ms, ended_ms, status, detail FROM report_runs
    WHERE ws = $ws AND report = $report ORDER BY started_ms DESC, run_key DESC LIMIT $limit`,
  lastRuns: `SELECT report, run_key, scheduled_ms, ended_ms, status FROM (
      SELECT *, row_number() OVER (PARTITION BY report ORDER BY started_ms DESC, run_key DESC) AS n
      FROM report_runs WHERE ws = $ws) WHERE n = 1`,
  unfinished: `SELECT report, run_key, scheduled_ms, started_ms, detail FROM report_runs
    WHERE ws = $ws AND status = 'running'`,
  /** The history kept per report: the newest runs. */
  trimRuns: `DELETE FROM report_runs WHERE ws = $ws AND report = $report AND run_key NOT IN (
      SELECT run_key FROM report_runs WHERE ws = $ws AND report = $report
      ORDER BY started_ms DESC LIMIT $keep)`,

  key: `SELECT secret FROM report_keys WHERE ws = $ws`,
  putKey: `INSERT INTO report_keys VALUES ($ws, $secret) ON CONFLICT DO NOTHING`,
};
