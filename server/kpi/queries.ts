// Tables owned by the KPI capability.
export const schema = [
  `CREATE TABLE IF NOT EXISTS dpi_weights (ws INTEGER NOT NULL, weights VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS objectives (ws INTEGER NOT NULL, id VARCHAR NOT NULL, definition VARCHAR NOT NULL)`,
];

export const q = {
  weights: `SELECT weights FROM dpi_weights WHERE ws = $ws`,
  deleteWeights: `DELETE FROM dpi_weights WHERE ws = $ws`,
  insertWeights: `INSERT INTO dpi_weights VALUES ($ws, $weights)`,
  objectives: `SELECT definition FROM objectives WHERE ws = $ws ORDER BY id`,
  objective: `SELECT definition FROM objectives WHERE ws = $ws AND id = $id`,
  deleteObjective: `DELETE FROM objectives WHERE ws = $ws AND id = $id`,
  insertObjective: `INSERT INTO objectives VALUES ($ws, $id, $definition)`,
  deleteObjectives: `DELETE FROM objectives WHERE ws = $ws`,
};
