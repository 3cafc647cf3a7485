// Append a chained batch of audit records after the head the writer chained it to, in one auto-commit
// statement (one round trip). The head exists already (create_audit_head.cypher, run when a writer opens
// the log): a plain MATCH finds it; a MERGE would take a locking unique-index seek on every append, which
// cost ~0.1 ms of the lone write. If it is missing no row comes back and the writer creates it and tries
// again. Setting h._lock (always true: after the first append it changes nothing and writes no record)
// write-locks the head before its seq and hash are read, so appends from every API instance queue up
// here and none can slip in between the test and the append. The batch is stored and the head advanced
// only if the head still is ($after_seq, $after_hash). Otherwise nothing is written and the true head
// comes back for the writer to chain the batch again (see graph_service/audit/neo4j.py).
// Each row's `at` comes as ISO-8601 text (the driver packs a datetime ~10x slower than a string) and is
// stored as the DateTime it names, so range queries and the at index see the same values as before.
MATCH (h:AuditHead {name: $chain})
SET h._lock = true
WITH h, coalesce(h.seq = $after_seq AND h.hash = $after_hash, false) AS fits
FOREACH (row IN CASE WHEN fits THEN $rows ELSE [] END |
  CREATE (r:AuditRecord)
  SET r = row {.*, at: datetime(row.at), chain: $chain})
SET h.seq = CASE WHEN fits THEN $seq ELSE h.seq END,
    h.hash = CASE WHEN fits THEN $hash ELSE h.hash END
RETURN fits AS appended, h.seq AS seq, h.hash AS hash
