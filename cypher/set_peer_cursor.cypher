// Store a peer's cursor, in the transaction that applied the page it follows (see lock_peer_cursor).
MATCH (c:PeerCursor {peer: $peer})
SET c.cursor = $cursor
