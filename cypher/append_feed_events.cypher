// Append change-feed events at the next sequence numbers (issue 8). The counter is one :Meta node:
// reading `m.value` inside the SET locks it until the transaction commits, so concurrent writers take
// numbers one after the other, commit in that order, and a reader never sees a later number before an
// earlier one. A rolled-back transaction gives its numbers back: the feed has no gaps.
// Each row: entry_id, version, origin_seq (null = this event's own seq), doc (the event as JSON).
MERGE (m:Meta {name: 'feed_seq'})
ON CREATE SET m.value = 0
SET m.value = m.value + size($events)
WITH m.value - size($events) AS base
UNWIND range(0, size($events) - 1) AS i
WITH base + i + 1 AS seq, $events[i] AS event
CREATE (:FeedEvent {
  seq: seq,
  origin_seq: coalesce(event.origin_seq, seq),
  entry_id: event.entry_id,
  version: event.version,
  doc: event.doc
})
RETURN count(*) AS appended
