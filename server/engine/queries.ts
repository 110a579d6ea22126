// The last commit time per workspace, so that "data as of" survives a restart.
export const q = {
  lastCommits: `SELECT ws, epoch_ms(max(committed_at))::DOUBLE AS at FROM last_commits GROUP BY ws`,
  putLastCommit: `DELETE FROM last_commits WHERE ws = $ws; INSERT INTO last_commits VALUES ($ws, $at::TIMESTAMP)`,
  deleteWorkspace: `DELETE FROM last_commits WHERE ws = $ws`,
};
