// Delete up to $batch relationships of the credit graph (first step of clear(): bounded batches, so a hub
// never puts a million deletions into one transaction). A typed scan finds them; relationships of other
// node kinds sharing the database, such as the audit chain, are left alone.
MATCH ()-[r:LEGAL_REPRESENTATIVE|PRINCIPAL|DIRECTOR|SUPERVISOR|SENIOR_MANAGER|ACTUAL_CONTROLLER
    |SHAREHOLDER|PRACTITIONER|BRANCH_OF
    |REGISTERED_IN|PART_OF|ON|RESPONSIBLE|HAS_CHANGE|PENALISES|PERSONAL_LINK]->()
WITH r
LIMIT $batch
DELETE r
RETURN count(r) AS deleted
