// A check's walk, one level per call, reading ahead (used inside a pinned read, see read_ahead.py).
// Returns the frontier's adjacency exactly as adjacent_subjects.cypher does, plus — for the frontier and
// every neighbour it links to, except the $known subjects already read — what the check asks about each
// reached subject next: its node, the entries on it, and its personal links with the linked entries.
// One round trip per level instead of one per question; the data version rides along.
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
  }) AS links, collect(n) AS neighbours
}
WITH collect({key: s.key, total: total, links: links}) AS adjacency,
     collect(s) + reduce(flat = [], part IN collect(neighbours) | flat + part) AS reached
CALL (reached) {
  UNWIND reached AS node
  WITH DISTINCT node
  WHERE NOT node.key IN $known
  RETURN collect({
    key: node.key,
    labels: labels(node),
    props: properties(node),
    entries: [(node)<-[:ON]-(e:ListEntry) | properties(e)],
    links: [(node)-[link:PERSONAL_LINK]->(e:ListEntry) | {props: properties(link), entry: properties(e)}]
  }) AS details
}
CALL () {
  OPTIONAL MATCH (m:Meta {name: 'data_version'})
  RETURN coalesce(m.value, 0) AS data_version
}
RETURN adjacency, details, data_version
