// The revision (entry version, origin_seq) of the last feed event of each of $entry_ids that has one.
UNWIND $entry_ids AS entry_id
MATCH (f:FeedEvent {entry_id: entry_id})
WITH entry_id, max(f.seq) AS last
MATCH (f:FeedEvent {seq: last})
RETURN entry_id, f.version AS version, f.origin_seq AS origin_seq
