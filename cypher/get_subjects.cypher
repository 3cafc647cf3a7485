// Stored subjects among $keys (unknown keys give no row).
UNWIND $keys AS key
MATCH (s:Subject {key: key})
RETURN labels(s) AS labels, properties(s) AS props
