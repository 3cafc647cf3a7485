// Entries on any of $keys (hot path of checks: starts with a unique-index seek per subject key).
UNWIND $keys AS key
MATCH (:Subject {key: key})<-[:ON]-(e:ListEntry)
RETURN DISTINCT properties(e) AS props
