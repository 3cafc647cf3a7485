// Every relation whose source is one subject (see get_relations).
MATCH (:Subject {key: $key})
  -[r:LEGAL_REPRESENTATIVE|PRINCIPAL|DIRECTOR|SUPERVISOR|SENIOR_MANAGER|ACTUAL_CONTROLLER
      |SHAREHOLDER|PRACTITIONER|BRANCH_OF]->(target)
RETURN type(r) AS type, $key AS source_id, target.key AS target_id, properties(r) AS props
