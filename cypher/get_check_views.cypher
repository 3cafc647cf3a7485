// The check views of many subjects in one statement (graph_service/store/neo4j/check_view.py, check_views):
// for each key of $keys, in order, exactly what get_check_view.cypher answers for $key = key (same depth,
// $as_of and $limit for all; the body below is that statement's, with key carried through its WITHs, and
// cut to the depth the same way: get_check_views@<depth>), and the data version once. Kept in step with get_check_view.cypher by
// tests/contract/test_check_views.py, which also proves each view equals the single-subject one.
CALL () {
  OPTIONAL MATCH (m:Meta {name: 'data_version'})
  RETURN coalesce(m.value, 0) AS data_version
}
UNWIND range(0, size($keys) - 1) AS position
WITH data_version, position, $keys[position] AS key
CALL (key) {
  OPTIONAL MATCH (origin:Subject {key: key})
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
  WITH key, namesakes, CASE WHEN origin IS NULL THEN [] ELSE [origin] END AS frontier
  WITH key, namesakes, frontier, frontier AS seen, [] AS levels
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
  WITH key, namesakes, next AS frontier, seen + next AS seen, levels + [adjacency] AS levels
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
  WITH key, namesakes, next AS frontier, seen + next AS seen, levels + [adjacency] AS levels
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
  WITH key, namesakes, next AS frontier, seen + next AS seen, levels + [adjacency] AS levels
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
  WITH key, namesakes, next AS frontier, seen + next AS seen, levels + [adjacency] AS levels
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
  CALL (key) {
    OPTIONAL MATCH (:Subject {key: key})<-[:PENALISES]-(p:Penalty)
    RETURN collect(properties(p)) AS penalties
  }
  RETURN levels, details, penalties, namesakes
}
RETURN position, key, levels, details, penalties, namesakes, data_version
ORDER BY position
