"""Suite-wide fixtures: ``neo4j_connection``, the one way a test gets a Neo4j (see tests/_neo4j.py), and
``neo4j_driver``, a driver logged in to it.

The Neo4j connection variables (``GRAPH_SERVICE_NEO4J_URI`` and friends) are taken out of the environment
when the session starts and handed only to ``neo4j_connection``. Without that, ``make test`` (which exports
them) would silently switch every test that builds ``Settings()`` from the embedded store to the shared
Neo4j, and the suite would behave differently under ``make test`` and a bare ``pytest``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from neo4j import Driver, GraphDatabase

from tests._neo4j import (
    CONNECTION_ENV,
    Neo4jConnection,
    Neo4jUnavailable,
    acquire,
    neo4j_required,
    skip_or_fail,
)

_NEO4J_ENV = pytest.StashKey[dict[str, str]]()
_NEO4J_NOTE = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_NEO4J_ENV] = {name: os.environ.pop(name) for name in CONNECTION_ENV if name in os.environ}


@pytest.fixture(scope="session")
def neo4j_connection(request: pytest.FixtureRequest) -> Iterator[Neo4jConnection]:
    """The session's Neo4j (env URI, testcontainers or the local launcher), or a loud skip/failure.

    Tests get a server that may hold other tests' data: emptying it per test is the caller's job
    (``store.clear()``). A server this fixture started is stopped when the session ends.
    """
    config = request.config
    try:
        env: dict[str, str] = config.stash[_NEO4J_ENV]
        acquired = acquire(env)
    except Neo4jUnavailable as exc:
        verdict = "NEO4J REQUIRED BUT UNAVAILABLE" if neo4j_required() else "NEO4J TESTS SKIPPED"
        config.stash[_NEO4J_NOTE] = f"{verdict}: {exc}"
        skip_or_fail(str(exc))
    config.stash[_NEO4J_NOTE] = f"Neo4j tests ran against {acquired.source}"
    yield acquired.connection
    if acquired.release is not None:
        acquired.release()


@pytest.fixture
def neo4j_driver(neo4j_connection: Neo4jConnection) -> Iterator[Driver]:
    """A driver logged in to the session's Neo4j, closed after the test (for tests that read it raw)."""
    with GraphDatabase.driver(
        neo4j_connection.uri, auth=(neo4j_connection.user, neo4j_connection.password)
    ) as driver:
        yield driver


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Say which Neo4j the suite used — or, in red, that it used none."""
    note = config.stash.get(_NEO4J_NOTE, None)
    if note is not None:
        terminalreporter.write_sep("=", note, red=note.startswith("NEO4J "), bold=True)
