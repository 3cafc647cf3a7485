// Lock the stored workflow records of one kind among $keys and read them, for an optimistic-version
// check (writing _LOCK_ takes each node's write lock before its version is read, as lock_step_state
// does).
MATCH (n:WorkflowRecord {kind: $kind})
WHERE n.key IN $keys
SET n._LOCK_ = true
WITH n
REMOVE n._LOCK_
RETURN n.doc AS doc
