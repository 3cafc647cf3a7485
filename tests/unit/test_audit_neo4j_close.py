"""Closing the Neo4j audit log while its writer is stuck inside an append."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from typing import Any

import pytest

from graph_service.audit import AuditEvent
from tests._neo4j import delete_audit_chain


def _event(n: int) -> AuditEvent:
    at = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=n)
    return AuditEvent(at=at, request_id=f"req{n}", client="county-approvals", role="approval", action="check")


@pytest.mark.neo4j
def test_close_gives_up_on_a_stuck_writer_without_closing_its_session_under_it(neo4j_connection: Any) -> None:
    import neo4j

    from graph_service.audit.neo4j import Neo4jAuditLog

    conn = neo4j_connection
    chain = f"test-{uuid.uuid4().hex}"
    driver = neo4j.GraphDatabase.driver(conn.uri, auth=(conn.user, conn.password))
    holder = driver.session(database=conn.database)
    closed = threading.Event()
    try:
        log = Neo4jAuditLog(driver, conn.database, chain=chain, close_timeout_s=0.5)
        log.wait_durable(log.record(_event(0)))
        # Another transaction holds the head's write lock: the writer's next append waits for it.
        tx = holder.begin_transaction()
        tx.run("MATCH (h:AuditHead {name: $chain}) SET h._lock = true", chain=chain).consume()
        log.record(_event(1))

        def close() -> None:
            log.close()
            closed.set()

        threading.Thread(target=close, daemon=True).start()
        # close() gives up after its timeouts (flush, then the writer's stop) with the lock still held;
        # before the fix it closed the writer's session from this thread and hung reading its answer.
        returned_while_stuck = closed.wait(20)
        writer_alive_then = log._thread.is_alive()
        tx.rollback()
        # The lock released, the append completes and the writer closes its own session and ends.
        log._thread.join(20)
        writer_ended = not log._thread.is_alive()
        session_after = log._session
        stored = driver.execute_query(
            "MATCH (r:AuditRecord {chain: $chain}) RETURN r.request_id AS id ORDER BY r.seq",
            chain=chain,
            database_=conn.database,
        ).records
        verified = Neo4jAuditLog(driver, conn.database, chain=chain, read_only=True).verify()
    finally:
        closed.wait(20)
        holder.close()
        delete_audit_chain(driver, conn.database, chain)
        driver.close()

    assert returned_while_stuck
    assert writer_alive_then
    assert writer_ended
    assert session_after is None
    # The stuck record was written once the lock was free: the chain holds both records and verifies.
    assert [r["id"] for r in stored] == ["req0", "req1"]
    assert (verified.ok, verified.count) == (True, 2), verified
