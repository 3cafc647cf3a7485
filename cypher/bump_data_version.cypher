// Advance the data version; run last in every write transaction that changed something.
// `m.value + 1` read in the SET itself makes Cypher lock the node before reading: no lost increments.
MERGE (m:Meta {name: 'data_version'})
ON CREATE SET m.value = 0
SET m.value = m.value + 1
RETURN m.value AS value
