// Entries naming any of $keys as directly responsible (starts with a unique-index seek per person key).
UNWIND $keys AS key
MATCH (:Subject {key: key})<-[:RESPONSIBLE]-(e:ListEntry)
RETURN DISTINCT properties(e) AS props
