// Store how far a push target acknowledged this store's feed (one node per target).
MERGE (p:PushPosition {target: $target})
SET p.seq = $seq
