// Create or update relations by key (kind|source|target|start_on); both endpoints were checked to exist
// in the same transaction. `check` / `props` as in upsert_organizations. The relationship type is
// `row.type`, taken in Python from RelationKind.neo4j_type (the allow-list), never from input text:
// Neo4j 5.26 accepts it as a dynamic type, so one statement serves every kind.
UNWIND $rows AS row
MATCH (a:Subject {key: row.source_id})
MATCH (b:Subject {key: row.target_id})
OPTIONAL MATCH (a)-[old {key: row.key}]->(b)
WITH row, a, b,
     CASE
       WHEN old IS NULL THEN 'created'
       WHEN properties(old) = coalesce(row.check, row.props) THEN 'unchanged'
       ELSE 'updated'
     END AS outcome,
     old IS NOT NULL AND properties(old) = row.props AS same
CALL (row, a, b, same) {
  WITH row, a, b, same
  WHERE NOT same
  MERGE (a)-[r:$(row.type) {key: row.key}]->(b)
  SET r = row.props
}
RETURN outcome, count(*) AS rows
