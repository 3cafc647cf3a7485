"""The contract suite's one fixture: an empty :class:`GraphStore` per test, once per backend.

Every test in ``tests/contract`` runs against the embedded store (mark ``memory``) and against Neo4j
(mark ``neo4j``), so a behaviour either holds on both or is an explicit ``xfail`` with a reason.
The Neo4j store is opened once per session (a driver is costly) and cleared before each test; the
``neo4j_connection`` fixture (tests/conftest.py) skips or fails loudly by itself when no server can be had.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph_service.store.base import GraphStore


@pytest.fixture(scope="session")
def neo4j_store(request: pytest.FixtureRequest) -> Iterator[GraphStore]:
    """One Neo4j-backed store for the whole session, closed at the end."""
    from graph_service.store.neo4j import Neo4jStore

    connection = request.getfixturevalue("neo4j_connection")
    store = Neo4jStore(
        uri=connection.uri,
        user=connection.user,
        password=connection.password,
        database=connection.database,
    )
    yield store
    store.close()


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("neo4j", marks=pytest.mark.neo4j),
    ]
)
def store(request: pytest.FixtureRequest) -> Iterator[GraphStore]:
    """An empty store of the backend named by the parameter."""
    if request.param == "memory":
        from graph_service.store.memory import MemoryStore

        memory = MemoryStore(None)
        yield memory
        memory.close()
        return
    shared: GraphStore = request.getfixturevalue("neo4j_store")
    shared.clear()
    yield shared
