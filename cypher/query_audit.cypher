// Audit records of a chain after seq $after, filtered (a null parameter means "any"), oldest first.
MATCH (r:AuditRecord {chain: $chain})
WHERE ($after IS NULL OR r.seq > $after)
  AND ($since IS NULL OR r.at >= $since)
  AND ($until IS NULL OR r.at < $until)
  AND ($subject_id IS NULL OR r.subject_id = $subject_id)
  AND ($client IS NULL OR r.client = $client)
  AND ($action IS NULL OR r.action = $action)
RETURN properties(r) AS record
ORDER BY r.seq
LIMIT $limit
