// Tables owned by the KPI capability.
export const schema = [
  `CREATE TABLE IF NOT EXISTS dpi_weights (ws INTEGER NOT NULL, weights VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS custom_kpis (ws INTEGER NOT NULL, id VARCHAR NOT NULL, definition VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS objectives (ws INTEGER NOT NULL, id VARCHAR NOT NULL, definition VARCHAR NOT NULL)`,
];

export const q = {
  weights: `SELECT weights FROM dpi_weights WHERE ws = $ws`,
  deleteWeights: `DELETE FROM dpi_weights WHERE ws = $ws`,
  insertWeights: `INSERT INTO dpi_weights VALUES ($ws, $weights)`,
  allCustomKpis: `SELECT ws, definition FROM custom_kpis ORDER BY ws, id`,
  deleteCustomKpi: `DELETE FROM custom_kpis WHERE ws = $ws AND id = $id`,
  insertCustomKpi: `INSERT INTO custom_kpis VALUES ($ws, $id, $definition)`,
  deleteCustomKpis: `DELETE FROM custom_kpis WHERE ws = $ws`,
};
