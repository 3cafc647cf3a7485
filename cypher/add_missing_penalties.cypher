// Create penalty records that are not stored yet and leave stored ones as they are (resolving a person).
UNWIND $rows AS row
MATCH (s:Subject {key: row.props.subject_id})
MERGE (p:Penalty {key: row.key})
ON CREATE SET p = row.props
MERGE (p)-[:PENALISES]->(s)
