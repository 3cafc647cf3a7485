// The status changes of one entry, oldest first.
MATCH (:ListEntry {entry_id: $entry_id})-[:HAS_CHANGE]->(c:StatusChange)
RETURN properties(c) AS props
ORDER BY c.seq
