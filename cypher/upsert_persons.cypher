// Create or update persons by key (ID number, or ~<uscc>~<name> for an unresolved person).
// Same shape as upsert_organizations: `check` = the batch's first version, `props` = its last.
// `row.labels` is [Person] or [Person, Unresolved], chosen in Python from the key, never from input text.
UNWIND $rows AS row
OPTIONAL MATCH (old:Subject {key: row.key})
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
  MERGE (s:Subject {key: row.key})
  SET s = row.props
  SET s:$(row.labels)
  WITH s, row
  OPTIONAL MATCH (s)-[link:REGISTERED_IN]->(:Region)
  DELETE link
  WITH DISTINCT s, row
  MATCH (g:Region {code: row.props.region})
  MERGE (s)-[:REGISTERED_IN]->(g)
}
RETURN outcome, count(*) AS rows
