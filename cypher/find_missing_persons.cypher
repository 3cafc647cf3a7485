// Which of $keys are not stored persons (an organisation's key counts as missing: links name persons).
UNWIND $keys AS key
OPTIONAL MATCH (s:Subject {key: key})
WITH key, s
WHERE s IS NULL OR NOT s:Person
RETURN collect(key) AS missing
