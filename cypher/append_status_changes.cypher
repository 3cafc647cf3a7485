// Append one status-history record to each of several distinct entries (rows: entry_id, change); `seq`
// numbers an entry's records oldest first, as append_status_change does for one.
UNWIND $rows AS row
MATCH (e:ListEntry {entry_id: row.entry_id})
OPTIONAL MATCH (e)-[:HAS_CHANGE]->(old:StatusChange)
WITH e, row, count(old) AS before
CREATE (e)-[:HAS_CHANGE]->(:StatusChange {
  from_status: row.change.from_status,
  to_status: row.change.to_status,
  at: row.change.at,
  actor: row.change.actor,
  reason: row.change.reason,
  seq: before + 1
})
