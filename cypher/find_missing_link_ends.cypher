// Which of $entry_ids are not stored list entries and which of $person_ids are not stored persons (an
// organisation's key counts as missing), in one round trip: the checks of find_missing_entries and
// find_missing_persons, before a transaction writes personal links.
CALL () {
  UNWIND $entry_ids AS entry_id
  OPTIONAL MATCH (e:ListEntry {entry_id: entry_id})
  WITH entry_id, e
  WHERE e IS NULL
  RETURN collect(entry_id) AS missing_entries
}
CALL () {
  UNWIND $person_ids AS key
  OPTIONAL MATCH (s:Subject {key: key})
  WITH key, s
  WHERE s IS NULL OR NOT s:Person
  RETURN collect(key) AS missing_persons
}
RETURN missing_entries + missing_persons AS missing
