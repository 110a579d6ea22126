// Alerts are stored so that a restart keeps them and what was acknowledged.
export const q = {
  /** The newest alerts of every workspace, oldest first. */
  alerts: `SELECT ws, id, body FROM (
      SELECT ws, body, raised_at, id, row_number() OVER (PARTITION BY ws ORDER BY raised_at DESC, id DESC) AS n FROM alerts)
    WHERE n <= $keep ORDER BY raised_at, id`,
  putAlert: `DELETE FROM alerts WHERE ws = $ws AND id = $id; INSERT INTO alerts VALUES ($ws, $id, $at::TIMESTAMP, $body)`,
  deleteWorkspace: `DELETE FROM alerts WHERE ws = $ws`,
};
