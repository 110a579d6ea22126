// Tables owned by the workspaces capability. `key` is the compact internal scope stored on every data row.
export const q = {
  allWorkspaces: `SELECT key, id, name, timezone,
      strftime(created_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS "createdAt",
      strftime(updated_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS "updatedAt"
    FROM workspaces ORDER BY id`,
  allBrands: `SELECT ws, id, name, own, active FROM brands ORDER BY ws, position`,
  nextKey: `SELECT COALESCE(max(key), 0) + 1 AS key FROM workspaces`,
  insertWorkspace: `INSERT INTO workspaces VALUES ($key, $id, $name, $timezone, $now::TIMESTAMP, $now::TIMESTAMP)`,
  updateWorkspace: `UPDATE workspaces SET name = $name, timezone = $timezone, updated_at = $now::TIMESTAMP WHERE key = $key`,
  deleteBrands: `DELETE FROM brands WHERE ws = $ws`,
  insertBrand: `INSERT INTO brands VALUES ($ws, $id, $name, $own, $active, $position)`,
  deleteWorkspace: `DELETE FROM workspaces WHERE key = $key`,
  allMetrics: `SELECT ws, id, definition FROM workspace_metrics ORDER BY ws, id`,
  deleteMetric: `DELETE FROM workspace_metrics WHERE ws = $ws AND id = $id`,
  insertMetric: `INSERT INTO workspace_metrics VALUES ($ws, $id, $definition)`,
  deleteMetrics: `DELETE FROM workspace_metrics WHERE ws = $ws`,
  /** ICU (DuckDB) and Intl (Node) must both know the zone: day rollups are computed in SQL. */
  checkTimezone: `SELECT timezone($tz, TIMESTAMPTZ '2020-01-01 00:00:00+00') IS NOT NULL AS ok`,
};
