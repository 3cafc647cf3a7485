// Every relation touching one subject, in both directions (a self-loop once). The typed pattern lists
// every RelationKind (tests check the list) so a dense node skips its entry and region links. Date and
// kind filters are applied in Python with base.relation_matches, the rule both backends share.
MATCH (:Subject {key: $key})
  -[r:LEGAL_REPRESENTATIVE|PRINCIPAL|DIRECTOR|SUPERVISOR|SENIOR_MANAGER|ACTUAL_CONTROLLER
      |SHAREHOLDER|PRACTITIONER|BRANCH_OF]-()
WITH DISTINCT r
RETURN type(r) AS type, startNode(r).key AS source_id, endNode(r).key AS target_id, properties(r) AS props
