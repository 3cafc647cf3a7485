// Penalty records of any of $keys (starts with a unique-index seek per subject key).
UNWIND $keys AS key
MATCH (:Subject {key: key})<-[:PENALISES]-(p:Penalty)
RETURN DISTINCT properties(p) AS props
