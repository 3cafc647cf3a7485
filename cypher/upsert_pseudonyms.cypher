// Index pseudonyms of persons: one (:Pseudonym {value, person}) per pseudonym (idempotent).
UNWIND $rows AS row
MERGE (p:Pseudonym {value: row.value})
SET p.person = row.person
