// Personal links of the entries whose ids are $keys (a unique-index seek per entry id).
UNWIND $keys AS entry_id
MATCH (p:Subject)-[link:PERSONAL_LINK]->(e:ListEntry {entry_id: entry_id})
RETURN p.key AS person_id, e.entry_id AS entry_id, properties(link) AS props
