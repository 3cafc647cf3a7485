// Everything a run of workflow steps is checked against, in one round trip (workflow.write_steps): the
// stored entries the steps create or change and the stored workflow records they write, each read under
// its write lock (writing _LOCK_ first, as lock_workflow_records does, so two concurrent
// steps cannot both see the same version); and which of the keys the steps name are not stored: the
// entries their records belong to, the subjects and responsible persons of their entries, the persons of
// their personal links (an organisation's key counts as missing there, as in find_missing_link_ends).
CALL () {
  UNWIND $entry_ids AS entry_id
  MATCH (e:ListEntry {entry_id: entry_id})
  SET e._LOCK_ = true
  WITH e
  REMOVE e._LOCK_
  RETURN collect(properties(e)) AS entries
}
CALL () {
  UNWIND $records AS wanted
  MATCH (n:WorkflowRecord {kind: wanted.kind, key: wanted.key})
  SET n._LOCK_ = true
  WITH n
  REMOVE n._LOCK_
  RETURN collect({kind: n.kind, doc: n.doc}) AS records
}
CALL () {
  UNWIND $record_entry_ids AS entry_id
  OPTIONAL MATCH (e:ListEntry {entry_id: entry_id})
  WITH entry_id, e
  WHERE e IS NULL
  RETURN collect(entry_id) AS missing_entries
}
CALL () {
  UNWIND $subject_keys AS key
  OPTIONAL MATCH (s:Subject {key: key})
  WITH key, s
  WHERE s IS NULL
  RETURN collect(key) AS missing_subjects
}
CALL () {
  UNWIND $person_keys AS key
  OPTIONAL MATCH (s:Subject {key: key})
  WITH key, s
  WHERE s IS NULL OR NOT s:Person
  RETURN collect(key) AS missing_persons
}
RETURN entries, records, missing_entries, missing_subjects, missing_persons
