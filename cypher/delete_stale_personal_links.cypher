// Remove the links of each given entry to persons not in its `person_ids` (replace_links semantics).
UNWIND $entries AS given
MATCH (e:ListEntry {entry_id: given.entry_id})<-[link:PERSONAL_LINK]-(p:Subject)
WHERE NOT p.key IN given.person_ids
DELETE link
RETURN count(link) AS removed
