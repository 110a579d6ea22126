// Queries of the tables owned by the KPI capability (created by server/db/migrations).
export const q = {
  weights: `SELECT weights FROM dpi_weights WHERE ws = $ws`,
  deleteWeights: `DELETE FROM dpi_weights WHERE ws = $ws`,
  insertWeights: `INSERT INTO dpi_weights VALUES ($ws, $weights)`,
  allCustomKpis: `SELECT ws, id, definition FROM custom_kpis ORDER BY ws, id`,
  deleteCustomKpi: `DELETE FROM custom_kpis WHERE ws = $ws AND id = $id`,
  insertCustomKpi: `INSERT INTO custom_kpis VALUES ($ws, $id, $definition)`,
  deleteCustomKpis: `DELETE FROM custom_kpis WHERE ws = $ws`,
  minVolumes: `SELECT settings FROM min_volumes WHERE ws = $ws`,
  deleteMinVolumes: `DELETE FROM min_volumes WHERE ws = $ws`,
  insertMinVolumes: `INSERT INTO min_volumes VALUES ($ws, $settings)`,
};
