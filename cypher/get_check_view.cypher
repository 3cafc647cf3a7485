// Everything one related-party check reads, in one statement (see graph_service/store/neo4j/check_view.py):
// the breadth-first walk from $key over relations valid on $as_of (null = whole history), as many levels as
// the check's depth (Cypher has no loop: the four levels are written out below, and the text sent for a
// depth keeps that many, get_check_view@<depth>, cypher.unrolled), each level the frontier's adjacency as
// adjacent_subjects.cypher answers it (at most $limit links per subject in the order (neighbour key,
// relation key), and how many there are), less the links to subjects already seen, which the walk never
// takes; each link a row: type, whether it leaves s, the neighbour's key and the relation's properties in
// the order of mapping.RELATION_COLUMNS, dates as ISO text (fewer bytes, and no per-date driver objects
// to build); then, for every subject reached, its node (the properties a subject is built from, in the
// order of mapping.SUBJECT_COLUMNS), the entries on it and its personal links with the linked entries
// (every property, the dates as ISO text: mapping.ENTRY_DATES); the penalties of the subject checked; the
// masked court debtors of its name when it is a person; and the data version. Rows are lists, not maps,
// so no field name travels once per row (check_view.view_from names the positions).
// The paths are chosen in Python from the levels (graph_port.breadth_first, the port's own walk): which
// subjects form each next frontier does not depend on the order the frontier is expanded in, so the
// levels here are the levels the port's walk asks for.
OPTIONAL MATCH (origin:Subject {key: $key})
// The masked court debtors of the checked person's name, with the entries on them (the check's possible
// matches; the rule, key and name, is is_masked_namesake in graph_service/store/check_view.py): a
// range-index seek on the name (schema.cypher: subject_name); left(): the key's index is no rival.
// Read from the origin found above (a second seek of the key, in a subquery of its own, cost ~0.05 ms).
CALL (origin) {
  WITH origin AS person
  WHERE person:Person AND NOT person:Unresolved
  MATCH (d:Subject)
  WHERE d.name = person.name AND left(d.key, 3) = '~m~'
  RETURN collect([
    labels(d),
    [d.key, d.name, d.region, d.uscc, d.status, d.industry, toString(d.established_on)],
    [(d)<-[:ON]-(e:ListEntry) | e {.*, act_on: toString(e.act_on), decided_on: toString(e.decided_on),
        valid_from: toString(e.valid_from), valid_until: toString(e.valid_until)}]
  ]) AS namesakes
}
WITH namesakes, CASE WHEN origin IS NULL THEN [] ELSE [origin] END AS frontier
WITH namesakes, frontier, frontier AS seen, [] AS levels
// level 1
CALL (frontier, seen) {
  UNWIND frontier AS s
  // One expansion: the first $limit relations in order, and whether there are more (a top-($limit + 1)
  // sort: a check needs only whether a subject was cut, and a hub's ~24,000 relations were fully sorted
  // to keep 200; a count beside it expanded every relation twice).
  CALL (s, seen) {
    MATCH (s)-[r:LEGAL_REPRESENTATIVE|PRINCIPAL|DIRECTOR|SUPERVISOR|SENIOR_MANAGER|ACTUAL_CONTROLLER
      |SHAREHOLDER|PRACTITIONER|BRANCH_OF]-(n)
    WHERE $as_of IS NULL
       OR ((r.start_on IS NULL OR r.start_on <= $as_of) AND (r.end_on IS NULL OR $as_of < r.end_on))
    WITH DISTINCT r, n
    ORDER BY n.key, r.key
    LIMIT $limit + 1
    WITH collect([r, n]) AS found
    WITH size(found) AS total, found[..$limit] AS kept
    RETURN total, [x IN kept WHERE NOT x[1] IN seen | [
      type(x[0]), startNode(x[0]) = s, x[1].key, toString(x[0].start_on), toString(x[0].end_on), x[0].source,
      x[0].title, x[0].ratio, x[0].subscribed_amount, x[0].qualification, x[0].certificate_no
    ]] AS links, [x IN kept | x[1]] AS neighbours
  }
  WITH collect([s.key, total, links]) AS adjacency, collect(neighbours) AS parts
  CALL (parts, seen) {
    UNWIND parts AS part
    UNWIND part AS n
    WITH DISTINCT n
    WHERE NOT n IN seen
    RETURN collect(n) AS next
  }
  RETURN adjacency, next
}
WITH namesakes, next AS frontier, seen + next AS seen, levels + [adjacency] AS levels
// level 2
CALL (frontier, seen) {
  UNWIND frontier AS s
  CALL (s, seen) {
    MATCH (s)-[r:LEGAL_REPRESENTATIVE|PRINCIPAL|DIRECTOR|SUPERVISOR|SENIOR_MANAGER|ACTUAL_CONTROLLER
      |SHAREHOLDER|PRACTITIONER|BRANCH_OF]-(n)
    WHERE $as_of IS NULL
       OR ((r.start_on IS NULL OR r.start_on <= $as_of) AND (r.end_on IS NULL OR $as_of < r.end_on))
    WITH DISTINCT r, n
    ORDER BY n.key, r.key
    LIMIT $limit + 1
    WITH collect([r, n]) AS found
    WITH size(found) AS total, found[..$limit] AS kept
    RETURN total, [x IN kept WHERE NOT x[1] IN seen | [
      type(x[0]), startNode(x[0]) = s, x[1].key, toString(x[0].start_on), toString(x[0].end_on), x[0].source,
      x[0].title, x[0].ratio, x[0].subscribed_amount, x[0].qualification, x[0].certificate_no
    ]] AS links, [x IN kept | x[1]] AS neighbours
  }
  WITH collect([s.key, total, links]) AS adjacency, collect(neighbours) AS parts
  CALL (parts, seen) {
    UNWIND parts AS part
    UNWIND part AS n
    WITH DISTINCT n
    WHERE NOT n IN seen
    RETURN collect(n) AS next
  }
  RETURN adjacency, next
}
WITH namesakes, next AS frontier, seen + next AS seen, levels + [adjacency] AS levels
// level 3
CALL (frontier, seen) {
  UNWIND frontier AS s
  CALL (s, seen) {
    MATCH (s)-[r:LEGAL_REPRESENTATIVE|PRINCIPAL|DIRECTOR|SUPERVISOR|SENIOR_MANAGER|ACTUAL_CONTROLLER
      |SHAREHOLDER|PRACTITIONER|BRANCH_OF]-(n)
    WHERE $as_of IS NULL
       OR ((r.start_on IS NULL OR r.start_on <= $as_of) AND (r.end_on IS NULL OR $as_of < r.end_on))
    WITH DISTINCT r, n
    ORDER BY n.key, r.key
    LIMIT $limit + 1
    WITH collect([r, n]) AS found
    WITH size(found) AS total, found[..$limit] AS kept
    RETURN total, [x IN kept WHERE NOT x[1] IN seen | [
      type(x[0]), startNode(x[0]) = s, x[1].key, toString(x[0].start_on), toString(x[0].end_on), x[0].source,
      x[0].title, x[0].ratio, x[0].subscribed_amount, x[0].qualification, x[0].certificate_no
    ]] AS links, [x IN kept | x[1]] AS neighbours
  }
  WITH collect([s.key, total, links]) AS adjacency, collect(neighbours) AS parts
  CALL (parts, seen) {
    UNWIND parts AS part
    UNWIND part AS n
    WITH DISTINCT n
    WHERE NOT n IN seen
    RETURN collect(n) AS next
  }
  RETURN adjacency, next
}
WITH namesakes, next AS frontier, seen + next AS seen, levels + [adjacency] AS levels
// level 4
CALL (frontier, seen) {
  UNWIND frontier AS s
  CALL (s, seen) {
    MATCH (s)-[r:LEGAL_REPRESENTATIVE|PRINCIPAL|DIRECTOR|SUPERVISOR|SENIOR_MANAGER|ACTUAL_CONTROLLER
      |SHAREHOLDER|PRACTITIONER|BRANCH_OF]-(n)
    WHERE $as_of IS NULL
       OR ((r.start_on IS NULL OR r.start_on <= $as_of) AND (r.end_on IS NULL OR $as_of < r.end_on))
    WITH DISTINCT r, n
    ORDER BY n.key, r.key
    LIMIT $limit + 1
    WITH collect([r, n]) AS found
    WITH size(found) AS total, found[..$limit] AS kept
    RETURN total, [x IN kept WHERE NOT x[1] IN seen | [
      type(x[0]), startNode(x[0]) = s, x[1].key, toString(x[0].start_on), toString(x[0].end_on), x[0].source,
      x[0].title, x[0].ratio, x[0].subscribed_amount, x[0].qualification, x[0].certificate_no
    ]] AS links, [x IN kept | x[1]] AS neighbours
  }
  WITH collect([s.key, total, links]) AS adjacency, collect(neighbours) AS parts
  CALL (parts, seen) {
    UNWIND parts AS part
    UNWIND part AS n
    WITH DISTINCT n
    WHERE NOT n IN seen
    RETURN collect(n) AS next
  }
  RETURN adjacency, next
}
WITH namesakes, next AS frontier, seen + next AS seen, levels + [adjacency] AS levels
// end of levels
// Each subject reached: its node and, from one expansion, the entries on it (an ON relationship comes
// from the entry: [null, entry]) and its personal links ([link properties, linked entry]).
CALL (seen) {
  UNWIND seen AS node
  RETURN collect([
    labels(node),
    [node.key, node.name, node.region, node.uscc, node.status, node.industry, toString(node.established_on)],
    [(node)-[x:ON|PERSONAL_LINK]-(e:ListEntry) WHERE (type(x) = 'ON') = (endNode(x) = node) | [
      CASE type(x) WHEN 'ON' THEN null ELSE properties(x) END,
      e {.*, act_on: toString(e.act_on), decided_on: toString(e.decided_on),
        valid_from: toString(e.valid_from), valid_until: toString(e.valid_until)}
    ]]
  ]) AS details
}
// The penalties of the subject checked (its green channel's record), apart: inside the details a
// pattern guarded for the origin was still expanded for every subject reached.
CALL () {
  OPTIONAL MATCH (:Subject {key: $key})<-[:PENALISES]-(p:Penalty)
  RETURN collect(properties(p)) AS penalties
}
CALL () {
  OPTIONAL MATCH (m:Meta {name: 'data_version'})
  RETURN coalesce(m.value, 0) AS data_version
}
RETURN levels, details, penalties, namesakes, data_version
