// Lock a peer's cursor node (created on first use) and read the cursor stored with the last page applied
// from that peer. The write lock is held until commit, so two syncs of one peer cannot both apply a page.
MERGE (c:PeerCursor {peer: $peer})
SET c._LOCK_ = true
WITH c, c.cursor AS cursor
REMOVE c._LOCK_
RETURN cursor
