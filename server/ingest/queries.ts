// Queries of the tables owned by ingest: raw events, the idempotency ledger and the quarantine
// (created and changed by server/db/migrations).
export const q = {
  ledgerLookup: `SELECT body_hash AS hash, response FROM ingest_ledger WHERE ws = $ws AND idem_key = $key`,
  ledgerInsert: `INSERT INTO ingest_ledger VALUES ($ws, $key, $hash, $response, now()::TIMESTAMP)`,

  deleteRange: `DELETE FROM events WHERE ws = $ws AND series IN (SELECT unnest($series::INTEGER[]))
    AND ts >= $from::TIMESTAMP AND ts < $to::TIMESTAMP`,
  /** Raw rows around a corrected window, from which its buckets are recomputed. */
  recomputeSource: `CREATE OR REPLACE TEMP TABLE recompute_source AS
    SELECT ws, series, ts, value FROM events WHERE ws = $ws AND series IN (SELECT unnest($series::INTEGER[]))
      AND ts >= $from::TIMESTAMP - INTERVAL 2 DAY AND ts < $to::TIMESTAMP + INTERVAL 2 DAY`,
  dropRecomputeSource: `DROP TABLE IF EXISTS recompute_source`,

  maxQuarantineId: `SELECT COALESCE(max(id), 0)::BIGINT AS id FROM quarantine`,
  quarantineCounts: `SELECT reason, count(*)::INTEGER AS n FROM quarantine WHERE ws = $ws GROUP BY reason ORDER BY reason`,
  /** Held rows after a cursor; rows stored whole before rows were cut at 4 KB are cut here. */
  quarantinePage: (withReason: boolean) => `SELECT id::VARCHAR AS id,
      strftime(received_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS "receivedAt", reason, field, message, format,
      CASE WHEN cut OR strlen(raw) <= 4096 THEN raw ELSE left(raw, 4096) END AS raw,
      cut OR strlen(raw) > 4096 AS cut
    FROM quarantine WHERE ws = $ws AND quarantine.id > $after ${withReason ? 'AND reason = $reason' : ''}
    ORDER BY quarantine.id LIMIT $limit`,
  quarantineDeleteIds: `DELETE FROM quarantine WHERE ws = $ws AND list_contains($ids, id)`,
  quarantinePurge: (withReason: boolean) =>
    `DELETE FROM quarantine WHERE ws = $ws ${withReason ? 'AND reason = $reason' : ''}`,

  purgeRawBefore: `DELETE FROM events WHERE ts < $cutoff::TIMESTAMP`,
  purgeQuarantineBefore: `DELETE FROM quarantine WHERE received_at < $cutoff::TIMESTAMP`,
  purgeLedgerBefore: `DELETE FROM ingest_ledger WHERE created_at < $cutoff::TIMESTAMP`,

  deleteWorkspace: [
    `DELETE FROM events WHERE ws = $ws`,
    `DELETE FROM ingest_ledger WHERE ws = $ws`,
    `DELETE FROM quarantine WHERE ws = $ws`,
  ],
};
