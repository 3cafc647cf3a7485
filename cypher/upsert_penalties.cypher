// Create or update administrative penalty records by key (decision_number|subject_id); the subjects were
// checked to exist in the same transaction. `check` / `props` as in upsert_organizations.
UNWIND $rows AS row
OPTIONAL MATCH (old:Penalty {key: row.key})
WITH row,
     CASE
       WHEN old IS NULL THEN 'created'
       WHEN properties(old) = coalesce(row.check, row.props) THEN 'unchanged'
       ELSE 'updated'
     END AS outcome,
     old IS NOT NULL AND properties(old) = row.props AS same
CALL (row, same) {
  WITH row, same
  WHERE NOT same
  MERGE (p:Penalty {key: row.key})
  SET p = row.props
  WITH p, row
  MATCH (s:Subject {key: row.props.subject_id})
  MERGE (p)-[:PENALISES]->(s)
}
RETURN outcome, count(*) AS rows
