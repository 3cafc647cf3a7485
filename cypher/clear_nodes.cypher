// Delete up to $batch nodes of the credit graph (after clear_relationships, so each is cheap). :Meta
// stays: the data version keeps growing across a clear, so no cached answer matches the emptied store,
// and the feed's counter (feed_seq) too, so a peer's cursor never points into a new, unrelated feed.
MATCH (n)
WHERE n:Subject OR n:Region OR n:ListEntry OR n:StatusChange OR n:Penalty OR n:FeedEvent OR n:PeerCursor OR n:PushPosition OR n:Pseudonym
WITH n
LIMIT $batch
DETACH DELETE n
RETURN count(n) AS deleted
