// The first $limit subjects whose key sorts after $after (null = from the first): a range-index scan.
MATCH (s:Subject)
WHERE $after IS NULL OR s.key > $after
RETURN labels(s) AS labels, properties(s) AS props
ORDER BY s.key
LIMIT $limit
