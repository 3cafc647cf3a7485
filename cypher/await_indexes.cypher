// Wait (up to $seconds) until every index is online, so the first queries are planned with them.
CALL db.awaitIndexes($seconds)
