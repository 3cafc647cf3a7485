// Store a chained batch of audit records and advance the head, in the transaction that locked the head.
MATCH (h:AuditHead {name: $chain})
UNWIND $rows AS row
CREATE (r:AuditRecord)
SET r = row, r.chain = $chain
WITH DISTINCT h
SET h.seq = $seq, h.hash = $hash
REMOVE h._lock
