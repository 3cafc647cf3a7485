// Append one status-history record to an entry; `seq` numbers the records oldest first.
MATCH (e:ListEntry {entry_id: $entry_id})
OPTIONAL MATCH (e)-[:HAS_CHANGE]->(old:StatusChange)
WITH e, count(old) AS before
CREATE (e)-[:HAS_CHANGE]->(:StatusChange {
  from_status: $change.from_status,
  to_status: $change.to_status,
  at: $change.at,
  actor: $change.actor,
  reason: $change.reason,
  seq: before + 1
})
