// Create relations that are not stored yet and leave stored ones as they are (resolving a person: a
// relation the resolved person already has came with the full ID number and wins). Types as in
// upsert_relations: from RelationKind.neo4j_type only.
UNWIND $rows AS row
MATCH (a:Subject {key: row.source_id})
MATCH (b:Subject {key: row.target_id})
MERGE (a)-[r:$(row.type) {key: row.key}]->(b)
ON CREATE SET r = row.props
