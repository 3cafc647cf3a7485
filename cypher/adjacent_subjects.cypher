// The neighbourhood frontier in one query: for each subject of $keys (a unique-index seek each), its
// relations in both directions valid on $as_of (null = whole history), at most $limit of them in the
// contract's order (neighbour key, relation key), plus how many there are.
// The validity test is Relation.valid_on, half-open [start_on, end_on) with open ends for nulls; it has to
// run here because the limit applies after it.
UNWIND $keys AS key
MATCH (s:Subject {key: key})
CALL (s) {
  MATCH (s)-[r:LEGAL_REPRESENTATIVE|PRINCIPAL|DIRECTOR|SUPERVISOR|SENIOR_MANAGER|ACTUAL_CONTROLLER
    |SHAREHOLDER|PRACTITIONER|BRANCH_OF]-()
  WHERE $as_of IS NULL
     OR ((r.start_on IS NULL OR r.start_on <= $as_of) AND (r.end_on IS NULL OR $as_of < r.end_on))
  RETURN count(DISTINCT r) AS total
}
CALL (s) {
  MATCH (s)-[r:LEGAL_REPRESENTATIVE|PRINCIPAL|DIRECTOR|SUPERVISOR|SENIOR_MANAGER|ACTUAL_CONTROLLER
    |SHAREHOLDER|PRACTITIONER|BRANCH_OF]-(n)
  WHERE $as_of IS NULL
     OR ((r.start_on IS NULL OR r.start_on <= $as_of) AND (r.end_on IS NULL OR $as_of < r.end_on))
  WITH DISTINCT r, n
  ORDER BY n.key, r.key
  LIMIT $limit
  RETURN collect({
    type: type(r), source_id: startNode(r).key, target_id: endNode(r).key, props: properties(r)
  }) AS links
}
RETURN s.key AS key, total, links
