// Change-feed events after $after, oldest first, at most $limit (the seq constraint's index orders them).
MATCH (f:FeedEvent)
WHERE f.seq > $after
RETURN f.seq AS seq, f.origin_seq AS origin_seq, f.doc AS doc
ORDER BY f.seq
LIMIT $limit
