// Create or replace workflow records (tasks, disputes, repair applications) by (kind, key). The whole
// record travels as JSON in `doc`; the other properties are copies kept only for filtering.
UNWIND $rows AS row
MERGE (n:WorkflowRecord {kind: row.kind, key: row.key})
SET n.entry_id = row.entry_id,
    n.department = row.department,
    n.status = row.status,
    n.version = row.version,
    n.doc = row.doc
