// The head of an audit chain, write-locked until the transaction ends: appends from every API instance
// queue up here, so each one reads the true last seq/hash before it chains its batch.
MERGE (h:AuditHead {name: $chain})
  ON CREATE SET h.seq = 0, h.hash = $genesis
SET h._lock = true
WITH h
RETURN h.seq AS seq, h.hash AS hash
