// Every relation whose target is one subject: its role holders and shareholders (see get_relations).
MATCH (:Subject {key: $key})
  <-[r:LEGAL_REPRESENTATIVE|PRINCIPAL|DIRECTOR|SUPERVISOR|SENIOR_MANAGER|ACTUAL_CONTROLLER
      |SHAREHOLDER|PRACTITIONER|BRANCH_OF]-(source)
RETURN type(r) AS type, source.key AS source_id, $key AS target_id, properties(r) AS props
