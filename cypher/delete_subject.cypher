// Delete a subject with its penalty records and every relationship touching it.
MATCH (s:Subject {key: $key})
OPTIONAL MATCH (s)<-[:PENALISES]-(p:Penalty)
DETACH DELETE p
WITH DISTINCT s
DETACH DELETE s
