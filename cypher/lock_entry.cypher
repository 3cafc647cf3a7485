// Lock a list entry for an optimistic-version transition and read its stored version and status.
// Writing the _LOCK_ property takes the node's write lock before the version is read, so two concurrent
// transitions cannot both see the same version (read-committed would allow it otherwise).
MATCH (e:ListEntry {entry_id: $entry_id})
SET e._LOCK_ = true
WITH e, e.version AS version, e.status AS status
REMOVE e._LOCK_
RETURN version, status
