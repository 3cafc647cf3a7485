// Before a bulk import replaces the database: how many nodes it holds besides :Meta (the import is only
// allowed into an empty one) and its counters, the data version and the change feed's last number (the
// imported graph continues both, so no cached answer and no peer's cursor from before matches it).
// Node counts come from the count store, without a scan.
OPTIONAL MATCH (version:Meta {name: 'data_version'})
OPTIONAL MATCH (feed:Meta {name: 'feed_seq'})
RETURN COUNT { () } - COUNT { (:Meta) } AS nodes,
       coalesce(version.value, 0) AS data_version,
       coalesce(feed.value, 0) AS feed_seq
