// Create one record (commitment, complaint, issued report) at version 1. CREATE, not MERGE: a concurrent
// creator of the same (kind, key) hits the uniqueness constraint and gets a Conflict.
CREATE (n:WorkflowRecord {kind: $kind, key: $key})
SET n.subject_id = $subject_id,
    n.department = $department,
    n.status = $status,
    n.version = $version,
    n.doc = $doc
