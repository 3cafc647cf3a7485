// After a bulk import (neo4j-admin stores no property for an empty array): give back the list properties
// the upsert statements always write, as empty lists, so an imported node compares equal to an upserted one.
MATCH (e:ListEntry)
WHERE e.responsible_person_ids IS NULL
SET e.responsible_person_ids = []
RETURN count(e) AS restored;

MATCH ()-[link:PERSONAL_LINK]->()
WHERE link.roles IS NULL
SET link.roles = []
RETURN count(link) AS restored;
