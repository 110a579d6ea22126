// Tables owned by the live capability: the wall layout saved per workspace, and the alerts (so that
// a restart keeps them and what was acknowledged).
export const q = {
  wall: `SELECT layout FROM wall_layouts WHERE ws = $ws`,
  putWall: `DELETE FROM wall_layouts WHERE ws = $ws; INSERT INTO wall_layouts VALUES ($ws, $layout)`,
  /** The newest alerts of every workspace, oldest first. */
  alerts: `SELECT ws, id, body FROM (
      SELECT ws, body, raised_at, id, row_number() OVER (PARTITION BY ws ORDER BY raised_at DESC, id DESC) AS n FROM alerts)
    WHERE n <= $keep ORDER BY raised_at, id`,
  putAlert: `DELETE FROM alerts WHERE ws = $ws AND id = $id; INSERT INTO alerts VALUES ($ws, $id, $at::TIMESTAMP, $body)`,
  lastCommits: `SELECT ws, epoch_ms(max(committed_at))::DOUBLE AS at FROM last_commits GROUP BY ws`,
  putLastCommit: `DELETE FROM last_commits WHERE ws = $ws; INSERT INTO last_commits VALUES ($ws, $at::TIMESTAMP)`,
  deleteWorkspace: `DELETE FROM wall_layouts WHERE ws = $ws; DELETE FROM alerts WHERE ws = $ws;
    DELETE FROM last_commits WHERE ws = $ws`,
};
