"""One-statement reads reuse idle sessions: one at a time each, never after a failure, all closed on close.

A check is one auto-commit read (:meth:`Connection.read_once`); opening a session for each cost about
0.04 ms of a ~1 ms check. These tests count the sessions the driver hands out.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver, Session

from graph_service.errors import GraphServiceError
from graph_service.store.neo4j.connection import Connection
from tests._neo4j import Neo4jConnection

pytestmark = pytest.mark.neo4j


@pytest.fixture
def db(neo4j_connection: Neo4jConnection) -> Iterator[Connection]:
    c = neo4j_connection
    connection = Connection(c.uri, c.user, c.password, c.database, timeout_s=10.0)
    yield connection
    connection.close()


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Session]:
    """Every session the driver opens from here on."""
    sessions: list[Session] = []
    original = Driver.session

    def counting(self: Driver, **config: Any) -> Session:
        session = original(self, **config)
        sessions.append(session)
        return session

    monkeypatch.setattr(Driver, "session", counting)
    return sessions


def test_reads_one_after_another_share_one_session(db: Connection, opened: list[Session]) -> None:
    versions = [int(db.read_once("get_data_version")["value"]) for _ in range(5)]

    assert len(set(versions)) == 1, versions
    assert len(opened) == 1, opened


def test_a_session_whose_read_failed_is_closed_and_not_reused(db: Connection, opened: list[Session]) -> None:
    db.read_once("get_data_version")
    with pytest.raises(GraphServiceError):
        db.read_once("get_check_view")  # without its parameters: the server refuses it
    db.read_once("get_data_version")

    assert len(opened) == 2, opened
    assert opened[0].closed() and not opened[1].closed()


def test_closing_the_connection_closes_its_idle_sessions(db: Connection, opened: list[Session]) -> None:
    db.read_once("get_data_version")

    db.close()

    assert opened and all(session.closed() for session in opened), opened


def test_concurrent_reads_each_have_a_session_of_their_own(db: Connection, opened: list[Session]) -> None:
    threads_n, reads = 4, 25
    barrier = threading.Barrier(threads_n)
    answers: list[int] = []
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            barrier.wait()
            for _ in range(reads):
                answers.append(int(db.read_once("get_data_version")["value"]))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == [], errors
    assert len(answers) == threads_n * reads and len(set(answers)) == 1, answers[:5]
    assert 1 <= len(opened) <= threads_n, opened
