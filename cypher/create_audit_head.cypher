// The head of an audit chain, created at seq 0 on the genesis hash if the chain has none yet (idempotent:
// the unique constraint on :AuditHead(name) makes concurrent writers agree on one node). Run when a
// writer opens the log, and again if an append finds no head, so append_audit.cypher can MATCH it.
MERGE (h:AuditHead {name: $chain})
  ON CREATE SET h.seq = 0, h.hash = $genesis
