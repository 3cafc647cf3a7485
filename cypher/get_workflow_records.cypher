// Workflow records of one kind, filtered by entry, key, department and status (a null filter = any),
// in key order.
MATCH (n:WorkflowRecord {kind: $kind})
WHERE ($entry_id IS NULL OR n.entry_id = $entry_id)
  AND ($key IS NULL OR n.key = $key)
  AND ($department IS NULL OR n.department = $department)
  AND ($statuses IS NULL OR n.status IN $statuses)
RETURN n.doc AS doc
ORDER BY n.key
