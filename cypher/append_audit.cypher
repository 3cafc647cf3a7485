// Append a chained batch of audit records after the head the writer chained it to, in one auto-commit
// statement (one round trip): the head is created if new, write-locked (appends from every API instance
// queue up here, so none can slip in between the test and the append), and the batch is stored and the
// head advanced only if the head still is ($after_seq, $after_hash). Otherwise nothing is written and the
// true head comes back for the writer to chain the batch again (see graph_service/audit/neo4j.py).
MERGE (h:AuditHead {name: $chain})
  ON CREATE SET h.seq = 0, h.hash = $genesis
SET h._lock = true
WITH h, coalesce(h.seq = $after_seq AND h.hash = $after_hash, false) AS fits
CALL (h, fits) {
  UNWIND CASE WHEN fits THEN $rows ELSE [] END AS row
  CREATE (r:AuditRecord)
  SET r = row, r.chain = $chain
}
SET h.seq = CASE WHEN fits THEN $seq ELSE h.seq END,
    h.hash = CASE WHEN fits THEN $hash ELSE h.hash END
REMOVE h._lock
RETURN fits AS appended, h.seq AS seq, h.hash AS hash
