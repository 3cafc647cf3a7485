// Which of $keys are not stored list entry ids (checked inside a write transaction before writing).
UNWIND $keys AS entry_id
OPTIONAL MATCH (e:ListEntry {entry_id: entry_id})
WITH entry_id, e
WHERE e IS NULL
RETURN collect(entry_id) AS missing
