"""The Neo4j URI scheme is configuration: ``neo4j://`` (routing) works against a single server.

A cluster or Aura is reached with a routing URI: the driver asks the server for a routing table and sends
writes to the leader and reads to followers. A single server answers with a table naming itself, so the
same configuration runs in development and in production. Also: the feed's statements start from indexes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
from pydantic import SecretStr, ValidationError

from cypher import query
from graph_service.bootstrap import open_store
from graph_service.config import Settings
from graph_service.domain.feed import FeedEventKind
from graph_service.store.neo4j import Neo4jStore
from tests._neo4j import Neo4jConnection
from tests.factories import make_entry, make_org


def _with_scheme(connection: Neo4jConnection, scheme: str) -> str:
    parsed = urlparse(connection.uri)
    return f"{scheme}://{parsed.hostname}:{parsed.port or 7687}"


@pytest.fixture
def routed(neo4j_connection: Neo4jConnection) -> Iterator[Neo4jStore]:
    settings = Settings(
        neo4j_uri=_with_scheme(neo4j_connection, "neo4j"),
        neo4j_user=neo4j_connection.user,
        neo4j_password=SecretStr(neo4j_connection.password),
        neo4j_database=neo4j_connection.database,
    )
    store = open_store(settings)
    assert isinstance(store, Neo4jStore)
    store.clear()
    yield store
    store.close()


@pytest.mark.neo4j
def test_a_routing_uri_to_the_single_local_server_reads_and_writes(routed: Neo4jStore) -> None:
    routed.ping()
    base = routed.feed_events(0, 1).head
    org = make_org(1)
    routed.upsert_organizations([org])
    routed.upsert_entries([make_entry("E-1", org.uscc)])

    assert routed.get_subjects([org.uscc]) == {org.uscc: org}
    assert [(e.seq, e.event) for e in routed.feed_events(base, 10).events] == [
        (base + 1, FeedEventKind.CREATED)
    ]


@pytest.mark.parametrize("scheme", ["bolt", "neo4j", "bolt+s", "neo4j+ssc"])
def test_the_uri_scheme_is_chosen_in_configuration(scheme: str) -> None:
    settings = Settings(neo4j_uri=f"{scheme}://db.example:7687", neo4j_password=SecretStr("x" * 8))
    assert settings.neo4j_uri == f"{scheme}://db.example:7687"


def test_a_uri_of_another_protocol_is_refused_with_the_choices() -> None:
    with pytest.raises(ValidationError, match="bolt://, neo4j://"):
        Settings(neo4j_uri="http://db.example:7474", neo4j_password=SecretStr("x" * 8))


@pytest.mark.neo4j
@pytest.mark.parametrize(
    ("statement", "params"),
    [
        ("get_feed_events", {"after": 0, "limit": 10}),
        ("get_feed_revisions", {"entry_ids": ["E-1"]}),
        ("get_peer_cursor", {"peer": "county-b"}),
    ],
)
def test_the_feeds_reads_start_from_an_index(
    routed: Neo4jStore, neo4j_connection: Neo4jConnection, statement: str, params: dict[str, Any]
) -> None:
    from neo4j import GraphDatabase

    auth = (neo4j_connection.user, neo4j_connection.password)
    with (
        GraphDatabase.driver(neo4j_connection.uri, auth=auth) as driver,
        driver.session(database=neo4j_connection.database) as session,
    ):
        summary = session.run("EXPLAIN " + query(statement), params).consume()
    assert summary.plan is not None
    leaves = _leaves(dict(summary.plan))
    assert leaves and all("IndexSeek" in leaf for leaf in leaves), (statement, leaves)


def _leaves(plan: dict[str, Any]) -> list[str]:
    """The operators a plan starts reading with (leaves that read parameters only left out)."""
    children = plan.get("children") or []
    if not children:
        kind = str(plan["operatorType"]).split("@", 1)[0]
        return [] if kind in {"Argument", "Unwind", "EmptyRow"} else [kind]
    return [leaf for child in children for leaf in _leaves(dict(child))]
