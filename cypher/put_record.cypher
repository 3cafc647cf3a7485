// Replace one stored record (commitment, complaint) by (kind, key), locked and version-checked before.
// The whole record travels as JSON in `doc`; the other properties are copies kept only for filtering.
MATCH (n:WorkflowRecord {kind: $kind, key: $key})
SET n.subject_id = $subject_id,
    n.department = $department,
    n.status = $status,
    n.version = $version,
    n.doc = $doc
