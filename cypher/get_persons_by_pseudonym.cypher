// The stored persons whose pseudonym is among $values: a pseudonym of a person since removed is not found.
UNWIND $values AS value
MATCH (p:Pseudonym {value: value})
MATCH (person:Person {key: p.person})
RETURN value, person.key AS person
