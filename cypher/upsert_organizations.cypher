// Create or update organisations by key (= USCC). One row per distinct key: the batch planner folds
// repeats, sending the batch's last version of a row as `props` and its first as `check` (null when the
// batch holds one version). The outcome says what the first version did to the stored node (created /
// updated / unchanged); the node is written only when the last version differs from it. The kind label
// comes from the OrgKind allow-list in Python (mapping.ORG_KIND_LABELS), never from input text.
UNWIND $rows AS row
OPTIONAL MATCH (old:Subject {key: row.key})
WITH row,
     CASE
       WHEN old IS NULL THEN 'created'
       WHEN properties(old) = coalesce(row.check, row.props)
            AND coalesce(row.check_label, row.label) IN labels(old) THEN 'unchanged'
       ELSE 'updated'
     END AS outcome,
     old IS NOT NULL AND properties(old) = row.props AND row.label IN labels(old) AS same
CALL (row, same) {
  WITH row, same
  WHERE NOT same
  MERGE (s:Subject {key: row.key})
  SET s = row.props
  REMOVE s:Enterprise:SocialOrg:Institution
  SET s:Organization, s:$(row.label)
  WITH s, row
  OPTIONAL MATCH (s)-[link:REGISTERED_IN]->(:Region)
  DELETE link
  WITH DISTINCT s, row
  MATCH (g:Region {code: row.props.region})
  MERGE (s)-[:REGISTERED_IN]->(g)
}
RETURN outcome, count(*) AS rows
