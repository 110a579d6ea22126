// Reports, one JSON definition per (workspace, id).
export const q = {
  list: `SELECT definition FROM reports WHERE ws = $ws ORDER BY id`,
  one: `SELECT definition FROM reports WHERE ws = $ws AND id = $id`,
  put: `DELETE FROM reports WHERE ws = $ws AND id = $id; INSERT INTO reports VALUES ($ws, $id, $definition)`,
  delete: `DELETE FROM reports WHERE ws = $ws AND id = $id`,
  deleteWorkspace: `DELETE FROM reports WHERE ws = $ws`,
};
