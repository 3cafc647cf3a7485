// Audit records of a chain after seq $after, filtered (a null parameter means "any"), oldest first.
// Seqs start at 1, so a null $after is "after 0": written so, chain and seq seek the unique index on
// (chain, seq) instead of scanning every :AuditRecord of every chain (verify reads page by page).
MATCH (r:AuditRecord {chain: $chain})
WHERE r.seq > coalesce($after, 0)
  AND ($since IS NULL OR r.at >= $since)
  AND ($until IS NULL OR r.at < $until)
  AND ($subject_id IS NULL OR r.subject_id = $subject_id)
  AND ($client IS NULL OR r.client = $client)
  AND ($action IS NULL OR r.action = $action)
RETURN properties(r) AS record
ORDER BY r.seq
LIMIT $limit
