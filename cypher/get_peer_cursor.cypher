// The cursor stored for a peer's feed, if any.
MATCH (c:PeerCursor {peer: $peer})
RETURN c.cursor AS cursor
