// Regions with their parent links, derived from the 6-digit codes (graph_service.domain.regions).
// $regions lists every code with all its ancestors; a parent is merged here too, so row order is free.
UNWIND $regions AS region
MERGE (r:Region {code: region.code})
ON CREATE SET r.level = region.level
WITH r, region
WHERE region.parent IS NOT NULL
MERGE (p:Region {code: region.parent})
ON CREATE SET p.level = region.parent_level
MERGE (r)-[:PART_OF]->(p)
