// Records (commitments, complaints, issued reports) of one kind, filtered by key, subject, department and
// status (a null filter = any), in key order. They share the :WorkflowRecord label and its (kind, key) key.
MATCH (n:WorkflowRecord {kind: $kind})
WHERE ($key IS NULL OR n.key = $key)
  AND ($subject_id IS NULL OR n.subject_id = $subject_id)
  AND ($department IS NULL OR n.department = $department)
  AND ($statuses IS NULL OR n.status IN $statuses)
RETURN n.doc AS doc
ORDER BY n.key
