// Every relation whose target is one of many subjects (get_incoming_relations for a list of keys):
// the role holders of a load's batch of entries in one round trip. Filters are applied in Python.
UNWIND $keys AS key
MATCH (:Subject {key: key})
  <-[r:LEGAL_REPRESENTATIVE|PRINCIPAL|DIRECTOR|SUPERVISOR|SENIOR_MANAGER|ACTUAL_CONTROLLER
      |SHAREHOLDER|PRACTITIONER|BRANCH_OF]-(source)
RETURN key AS target_id, type(r) AS type, source.key AS source_id, properties(r) AS props
