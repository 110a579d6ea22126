// Alert rules of a workspace, stored as their JSON definition.
export const q = {
  allRules: `SELECT ws, id, definition FROM alert_rules ORDER BY ws, id`,
  rule: `SELECT id FROM alert_rules WHERE ws = $ws AND id = $id`,
  deleteRule: `DELETE FROM alert_rules WHERE ws = $ws AND id = $id`,
  insertRule: `INSERT INTO alert_rules VALUES ($ws, $id, $definition)`,
  deleteRules: `DELETE FROM alert_rules WHERE ws = $ws`,
};
