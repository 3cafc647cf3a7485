// Subjects whose key starts with, or whose name contains, $needle (already case-folded in Python, like
// the stored key_folded / name_folded): a range-index seek and a text-index seek, first $limit by key.
CALL () {
  MATCH (s:Subject) WHERE s.key_folded STARTS WITH $needle RETURN s
  UNION
  MATCH (s:Subject) WHERE s.name_folded CONTAINS $needle RETURN s
}
RETURN labels(s) AS labels, properties(s) AS props
ORDER BY s.key
LIMIT $limit
