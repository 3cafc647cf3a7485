// Create or update list entries by entry_id; subject and responsible persons were checked to exist in
// the same transaction. `check` / `props` as in upsert_organizations. The ON / RESPONSIBLE links are
// rebuilt from `props` whenever the entry is written; a created entry gets its first status change
// (from nothing to `row.first_status`, by `row.first_actor` for `row.first_reason`, at $now).
UNWIND $rows AS row
OPTIONAL MATCH (old:ListEntry {entry_id: row.entry_id})
WITH row,
     old IS NULL AS fresh,
     CASE
       WHEN old IS NULL THEN 'created'
       WHEN properties(old) = coalesce(row.check, row.props) THEN 'unchanged'
       ELSE 'updated'
     END AS outcome,
     old IS NOT NULL AND properties(old) = row.props AS same
CALL (row, fresh, same) {
  WITH row, fresh, same
  WHERE NOT same
  MERGE (e:ListEntry {entry_id: row.entry_id})
  SET e = row.props
  WITH e, row, fresh
  OPTIONAL MATCH (e)-[link:ON|RESPONSIBLE]->(:Subject)
  DELETE link
  WITH DISTINCT e, row, fresh
  MATCH (s:Subject {key: row.props.subject_id})
  MERGE (e)-[:ON]->(s)
  WITH e, row, fresh
  CALL (e, row) {
    UNWIND row.props.responsible_person_ids AS person_id
    MATCH (p:Subject {key: person_id})
    MERGE (e)-[:RESPONSIBLE]->(p)
  }
  WITH e, row, fresh
  WHERE fresh
  CREATE (e)-[:HAS_CHANGE]->(:StatusChange {
    to_status: row.first_status, at: $now, actor: row.first_actor, reason: row.first_reason, seq: 1
  })
}
RETURN outcome, count(*) AS rows
