// Delete up to $batch nodes of the credit graph (after clear_relationships, so each is cheap). :Meta
// stays: the data version keeps growing across a clear, so no cached answer matches the emptied store.
MATCH (n)
WHERE n:Subject OR n:Region OR n:ListEntry OR n:StatusChange OR n:Penalty
WITH n
LIMIT $batch
DETACH DELETE n
RETURN count(n) AS deleted
