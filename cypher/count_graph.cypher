// Counts for counts(): subjects by kind, regions in use (with their ancestors), relations by type, entries,
// penalties and personal links. Label and type counts come from Neo4j's count store (no scan); regions in
// use are found by one short existence check per region.
CALL () {
  MATCH (g:Region)
  WHERE EXISTS { (g)<-[:PART_OF*0..2]-(:Region)<-[:REGISTERED_IN]-(:Subject) }
  RETURN count(g) AS regions
}
RETURN
  COUNT { (:Organization) } AS organizations,
  COUNT { (:Person) } - COUNT { (:Unresolved) } AS persons,
  COUNT { (:Unresolved) } AS unresolved_persons,
  regions,
  COUNT { ()-[:LEGAL_REPRESENTATIVE]->() } AS legal_representative,
  COUNT { ()-[:PRINCIPAL]->() } AS principal,
  COUNT { ()-[:DIRECTOR]->() } AS director,
  COUNT { ()-[:SUPERVISOR]->() } AS supervisor,
  COUNT { ()-[:SENIOR_MANAGER]->() } AS senior_manager,
  COUNT { ()-[:ACTUAL_CONTROLLER]->() } AS actual_controller,
  COUNT { ()-[:SHAREHOLDER]->() } AS shareholder,
  COUNT { ()-[:PRACTITIONER]->() } AS practitioner,
  COUNT { ()-[:BRANCH_OF]->() } AS branch_of,
  COUNT { (:ListEntry) } AS entries,
  COUNT { (:Penalty) } AS penalties,
  COUNT { ()-[:PERSONAL_LINK]->() } AS personal_links
