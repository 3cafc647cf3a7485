// Create or update personal credit-record links (person)-[:PERSONAL_LINK]->(entry), one per pair.
// `check` / `props` as in upsert_organizations; entries and persons were checked to exist.
UNWIND $rows AS row
MATCH (e:ListEntry {entry_id: row.entry_id})
MATCH (p:Subject {key: row.person_id})
OPTIONAL MATCH (p)-[old:PERSONAL_LINK]->(e)
WITH row, e, p,
     CASE
       WHEN old IS NULL THEN 'created'
       WHEN properties(old) = coalesce(row.check, row.props) THEN 'unchanged'
       ELSE 'updated'
     END AS outcome,
     old IS NOT NULL AND properties(old) = row.props AS same
CALL (row, e, p, same) {
  WITH row, e, p, same
  WHERE NOT same
  MERGE (p)-[link:PERSONAL_LINK]->(e)
  SET link = row.props
}
RETURN outcome, count(*) AS rows
