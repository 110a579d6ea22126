// Objectives of a workspace, stored as their JSON definition.
export const q = {
  objectives: `SELECT id, definition FROM objectives WHERE ws = $ws ORDER BY id`,
  objective: `SELECT definition FROM objectives WHERE ws = $ws AND id = $id`,
  deleteObjective: `DELETE FROM objectives WHERE ws = $ws AND id = $id`,
  insertObjective: `INSERT INTO objectives VALUES ($ws, $id, $definition)`,
  deleteObjectives: `DELETE FROM objectives WHERE ws = $ws`,
};
