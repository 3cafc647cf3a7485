// The head of an audit chain as last committed (read only).
MATCH (h:AuditHead {name: $chain})
RETURN h.seq AS seq, h.hash AS hash
