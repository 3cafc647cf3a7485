// Personal links of any of $keys (a unique-index seek per person key).
UNWIND $keys AS key
MATCH (p:Subject {key: key})-[link:PERSONAL_LINK]->(e:ListEntry)
RETURN p.key AS person_id, e.entry_id AS entry_id, properties(link) AS props
