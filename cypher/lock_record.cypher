// Lock one stored record by (kind, key) and read its version, for the optimistic-version check
// (writing _LOCK_ takes the node's write lock before its version is read, as lock_step_state does).
MATCH (n:WorkflowRecord {kind: $kind, key: $key})
SET n._LOCK_ = true
WITH n
REMOVE n._LOCK_
RETURN n.version AS version
