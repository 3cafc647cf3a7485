// Delete up to $batch workflow records (tasks, disputes, repair applications) for clear().
MATCH (n:WorkflowRecord)
WITH n
LIMIT $batch
DETACH DELETE n
RETURN count(n) AS deleted
