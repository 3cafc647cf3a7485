// How far a push target acknowledged this store's feed (no row: never).
MATCH (p:PushPosition {target: $target})
RETURN p.seq AS seq
