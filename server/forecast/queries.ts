// Stored forecasts (migration 003), as their JSON.
export const q = {
  stored: `SELECT forecast FROM forecasts WHERE ws = $ws AND kpi = $kpi AND brand = $brand AND grain = $grain`,
  /** Every stored forecast of a workspace at a grain (the anomaly detector reads them at once). */
  storedAll: `SELECT kpi, brand, forecast FROM forecasts WHERE ws = $ws AND grain = $grain`,
  delete: `DELETE FROM forecasts WHERE ws = $ws AND kpi = $kpi AND brand = $brand AND grain = $grain`,
  insert: `INSERT INTO forecasts VALUES ($ws, $kpi, $brand, $grain, to_timestamp($fittedAtMs / 1000.0)::TIMESTAMP, $forecast)`,
  deleteWorkspace: `DELETE FROM forecasts WHERE ws = $ws`,
};
