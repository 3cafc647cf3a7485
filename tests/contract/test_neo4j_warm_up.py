"""A Neo4j store plans the check statement when it starts, and a slow or failing warm-up never stops it.

A cold plan of ``get_check_view`` took seconds on a loaded box (the transaction timeout does not bound
planning), enough to time out the first checks after a start. The server's plan cache is keyed on the
statement text and parameter types; ``db.clearQueryCaches()`` says how many queries it held, which is how
these tests see what a start planned.
"""

from __future__ import annotations

import re
import time

import pytest
from neo4j import Driver

from graph_service.store.neo4j import Neo4jStore, check_view
from graph_service.store.neo4j import connection as neo4j_connection_module
from graph_service.store.neo4j.connection import Connection
from tests._neo4j import Neo4jConnection

pytestmark = pytest.mark.neo4j


def _cleared(driver: Driver, database: str) -> int:
    """Empty the server's query caches; how many queries they held."""
    records, _, _ = driver.execute_query("CALL db.clearQueryCaches()", database_=database)
    message = str(records[0][0])
    found = re.search(r"(\d+) quer", message)
    return int(found.group(1)) if found else 0


def _open(connection: Neo4jConnection) -> Neo4jStore:
    return Neo4jStore(connection.uri, connection.user, connection.password, connection.database)


def test_a_started_store_has_planned_the_check_statement(
    neo4j_connection: Neo4jConnection, neo4j_driver: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = neo4j_connection.database
    runs = check_view.warm_up_runs()
    hot = check_view.statement(check_view.USUAL_DEPTH)
    assert runs[0][0] == hot and runs[0][1]["as_of"] is not None  # the hot one first
    with monkeypatch.context() as patched:  # the start's own statements, without the warm-up
        patched.setattr(Connection, "warm_up", lambda *_args, **_kwargs: True)
        _cleared(neo4j_driver, database)
        _open(neo4j_connection).close()
        without = _cleared(neo4j_driver, database)
    monkeypatch.setattr(check_view, "warm_up_runs", lambda: runs[:1])  # only what the start waits for

    store = _open(neo4j_connection)
    try:
        with_warm_up = _cleared(neo4j_driver, database)
    finally:
        store.close()

    assert with_warm_up == without + 1, (with_warm_up, without)


def test_a_warm_up_slower_than_its_wait_does_not_hold_up_the_caller(
    neo4j_connection: Neo4jConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = "UNWIND range(1, 200000000) AS x WITH x WHERE x < 0 RETURN count(*) AS n"
    monkeypatch.setattr(neo4j_connection_module, "query", lambda name: slow if name == "slow" else "RETURN 1")
    c = neo4j_connection
    db = Connection(c.uri, c.user, c.password, c.database, timeout_s=30.0)
    try:
        started = time.perf_counter()
        planned = db.warm_up([("slow", {})], wait_s=0.3)
        waited = time.perf_counter() - started
    finally:
        db.close()  # the warm-up's read fails with the closed driver, quietly

    assert planned is False
    assert waited < 3.0, waited


def test_a_failing_warm_up_is_reported_as_not_planned_and_raises_nothing(
    neo4j_connection: Neo4jConnection, caplog: pytest.LogCaptureFixture
) -> None:
    c = neo4j_connection
    db = Connection(c.uri, c.user, c.password, c.database, timeout_s=10.0)
    try:
        started = time.perf_counter()
        # get_check_view without its parameters: the server refuses it.
        planned = db.warm_up([(check_view.STATEMENT, {})], wait_s=10.0)
        waited = time.perf_counter() - started
    finally:
        db.close()

    assert planned is False
    assert waited < 9.0, waited  # answered when the read failed, not when the wait ran out
    assert "warming the Neo4j plans" in caplog.text, caplog.text


def test_the_warm_up_plans_both_check_statements_at_every_depth_for_dated_and_whole_history_checks() -> None:
    runs = check_view.warm_up_runs()

    depths = [2, 1, 3, 4]  # the usual depth first
    assert [(name, params["as_of"] is None) for name, params in runs] == [
        *((check_view.statement(d), False) for d in depths),
        *((check_view.batch_statement(d), False) for d in depths),
        *((check_view.statement(d), True) for d in depths),
        *((check_view.batch_statement(d), True) for d in depths),
    ]


def test_closing_a_store_waits_for_its_warm_up_instead_of_closing_the_connection_under_it(
    neo4j_connection: Neo4jConnection, neo4j_driver: Driver
) -> None:
    # A store closed right after it opened: the warm-up's background plans may still be running on one
    # of the driver's connections (closing it under them broke the connection's buffer: BufferError).
    for _ in range(3):
        _cleared(neo4j_driver, neo4j_connection.database)  # cold plans, so the warm-up is still running
        store = _open(neo4j_connection)
        store.close()
        thread = store._db._warm_up_thread
        assert thread is not None and not thread.is_alive()
