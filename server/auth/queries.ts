// People, memberships, keys, sessions and the audit log (tables of migration 002).
export const q = {
  users: `SELECT id, email, name, password_hash AS "passwordHash", owner FROM users`,
  members: `SELECT workspace, user_id AS "userId", role FROM members`,
  keys: `SELECT id, workspace, name, scopes, key_hash AS "keyHash", strftime(created_at, '%Y-%m-%dT%H:%M:%S.%g') || 'Z' AS "createdAt",
    strftime(last_used_at, '%Y-%m-%dT%H:%M:%S.%g') || 'Z' AS "lastUsedAt" FROM api_keys`,
  sessions: `SELECT id_hash AS "idHash", user_id AS "userId", key_id AS "keyId",
    epoch_ms(created_at)::DOUBLE AS "createdAt", epoch_ms(last_seen_at)::DOUBLE AS "lastSeenAt" FROM sessions`,

  insertUser: `INSERT INTO users VALUES ($id, $email, $name, $passwordHash, $owner, now())`,
  setPassword: `UPDATE users SET password_hash = $passwordHash WHERE id = $id`,
  setName: `UPDATE users SET name = $name WHERE id = $id`,

  deleteMember: `DELETE FROM members WHERE workspace = $workspace AND user_id = $userId`,
  insertMember: `INSERT INTO members VALUES ($workspace, $userId, $role)`,

  insertKey: `INSERT INTO api_keys VALUES ($id, $workspace, $name, $scopes, $keyHash, now(), NULL)`,
  deleteKey: `DELETE FROM api_keys WHERE workspace = $workspace AND id = $id`,
  keyUsed: `UPDATE api_keys SET last_used_at = to_timestamp($atMs / 1000.0)::TIMESTAMP WHERE id = $id`,

  insertSession: `INSERT INTO sessions VALUES ($idHash, $userId, $keyId, to_timestamp($atMs / 1000.0)::TIMESTAMP,
    to_timestamp($atMs / 1000.0)::TIMESTAMP)`,
  sessionSeen: `UPDATE sessions SET last_seen_at = to_timestamp($atMs / 1000.0)::TIMESTAMP WHERE id_hash = $idHash`,
  deleteSession: `DELETE FROM sessions WHERE id_hash = $idHash`,
  deleteUserSessions: `DELETE FROM sessions WHERE user_id = $userId`,
  deleteKeySessions: `DELETE FROM sessions WHERE key_id = $keyId`,
  deleteExpiredSessions: `DELETE FROM sessions WHERE last_seen_at < to_timestamp($idleBeforeMs / 1000.0)::TIMESTAMP
    OR created_at < to_timestamp($createdBeforeMs / 1000.0)::TIMESTAMP`,

  lastAuditSeq: `SELECT COALESCE(max(seq), 0)::DOUBLE AS seq FROM audit`,
  insertAudit: `INSERT INTO audit VALUES ($workspace, $seq, now(), $actor, $action, $target, $summary, $ip)`,
  // workspace NULL: the hub's own entries (IS NOT DISTINCT FROM matches NULL with NULL).
  audit: `SELECT seq::DOUBLE AS seq, strftime(happened_at, '%Y-%m-%dT%H:%M:%S.%g') || 'Z' AS at, actor, action,
    target, summary, ip FROM audit WHERE workspace IS NOT DISTINCT FROM $workspace AND seq < $before
    ORDER BY seq DESC LIMIT $limit`,

  deleteWorkspaceMembers: `DELETE FROM members WHERE workspace = $workspace`,
  deleteWorkspaceKeys: `DELETE FROM api_keys WHERE workspace = $workspace`,
  deleteWorkspaceKeySessions: `DELETE FROM sessions WHERE key_id IN (SELECT id FROM api_keys WHERE workspace = $workspace)`,
  deleteWorkspaceAudit: `DELETE FROM audit WHERE workspace = $workspace`,
};
