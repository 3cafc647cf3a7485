// Which of $keys are not stored subjects (checked inside a write transaction before anything is written).
UNWIND $keys AS key
OPTIONAL MATCH (s:Subject {key: key})
WITH key, s
WHERE s IS NULL
RETURN collect(key) AS missing
