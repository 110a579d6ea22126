// Tables owned by the KPI capability.
export const schema = [
  `CREATE TABLE IF NOT EXISTS dpi_weights (ws INTEGER NOT NULL, weights VARCHAR NOT NULL)`,
];

export const q = {
  weights: `SELECT weights FROM dpi_weights WHERE ws = $ws`,
  deleteWeights: `DELETE FROM dpi_weights WHERE ws = $ws`,
  insertWeights: `INSERT INTO dpi_weights VALUES ($ws, $weights)`,
};
