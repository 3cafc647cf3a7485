// The last sequence number handed out by the change feed (0 before the first event).
OPTIONAL MATCH (m:Meta {name: 'feed_seq'})
RETURN coalesce(m.value, 0) AS head
