"""The Neo4j hot paths start from an index seek, never from a scan (checked on the real query plans).

``adjacent`` (every neighbourhood walk and check) and ``entries_for`` (every check) run once per request
on graphs of millions of nodes: if a plan started from a label scan, each request would read the whole
graph. The plans are taken with ``EXPLAIN`` on the very statements the store runs, after the store has
applied its schema, over a graph with realistic statistics (a few thousand subjects, relations and
entries, indexes resampled and plans recompiled): on a near-empty graph the planner may rightly prefer a
scan of nothing, which made an earlier version of these tests fail now and then. The statements also
list relationship types literally (Cypher cannot take them as parameters in a pattern), so a test checks
those lists against :class:`RelationKind`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cypher import query
from graph_service.domain.model import RelationKind
from tests._neo4j import Neo4jConnection
from tests.factories import make_entry, make_org, make_person, make_relation

Explain = Callable[..., dict[str, Any]]

# Leaves that read no data of their own: the rows they produce come from parameters or the outer row.
_NON_ACCESS_LEAVES = frozenset({"Argument", "Unwind", "EmptyRow"})
_INDEX_SEEKS = frozenset({"NodeUniqueIndexSeek", "NodeIndexSeek"})


def _operators(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("children", []):
        yield from _operators(child)


def _kind(operator: dict[str, Any]) -> str:
    """``NodeUniqueIndexSeek@neo4j`` -> ``NodeUniqueIndexSeek`` (the suffix names the database)."""
    return str(operator["operatorType"]).split("@", 1)[0]


def _access_leaves(plan: dict[str, Any]) -> list[tuple[str, str]]:
    """The operators a plan starts reading the graph with: its leaves, minus parameter/argument leaves."""
    return [
        (_kind(op), str(op.get("args", {}).get("Details", "")))
        for op in _operators(plan)
        if not op.get("children") and _kind(op) not in _NON_ACCESS_LEAVES
    ]


def _realistic_graph(store: Any, orgs: int = 3000) -> None:
    """Organisations with a legal representative each, a shareholding chain and some entries."""
    organisations = [make_org(n) for n in range(1, orgs + 1)]
    persons = [make_person(n) for n in range(1, orgs // 2 + 1)]
    store.upsert_organizations(organisations)
    store.upsert_persons(persons)
    relations = [
        make_relation(RelationKind.LEGAL_REPRESENTATIVE, persons[n % len(persons)].key, org.uscc)
        for n, org in enumerate(organisations)
    ] + [
        make_relation(RelationKind.SHAREHOLDER, organisations[n - 1].uscc, organisations[n].uscc)
        for n in range(1, orgs, 3)
    ]
    store.upsert_relations(relations)
    store.upsert_entries(
        [make_entry(f"430923-B-2025-{n:04d}", organisations[n].uscc) for n in range(0, orgs, 10)]
    )


@pytest.fixture(scope="module")
def explain(neo4j_connection: Neo4jConnection) -> Iterator[Explain]:
    """``explain(statement, **params)`` -> the plan of ``cypher/<statement>.cypher`` on a schema'd Neo4j."""
    from neo4j import GraphDatabase

    from graph_service.store.neo4j import Neo4jStore

    # Opening the store applies schema.cypher and waits for its indexes, as in production.
    store = Neo4jStore(
        uri=neo4j_connection.uri,
        user=neo4j_connection.user,
        password=neo4j_connection.password,
        database=neo4j_connection.database,
    )
    try:
        store.clear()
        _realistic_graph(store)
    finally:
        store.close()
    driver = GraphDatabase.driver(
        neo4j_connection.uri, auth=(neo4j_connection.user, neo4j_connection.password)
    )
    with driver.session(database=neo4j_connection.database) as session:
        # Fresh index samples and statistics, and no plan cached from an emptier graph.
        session.run("CALL db.prepareForReplanning(60)").consume()

    def plan_of(statement: str, **params: Any) -> dict[str, Any]:
        with driver.session(database=neo4j_connection.database) as session:
            summary = session.run("EXPLAIN " + query(statement), params).consume()
        assert summary.plan is not None, f"no plan for {statement}"
        return dict(summary.plan)

    yield plan_of
    driver.close()


@pytest.mark.neo4j
@pytest.mark.parametrize("as_of", [dt.date(2024, 1, 10), None], ids=["as_of", "history"])
def test_the_frontier_query_of_adjacent_starts_from_a_unique_index_seek_on_subject_key(
    explain: Explain, as_of: dt.date | None
) -> None:
    plan = explain("adjacent_subjects", keys=[make_org(1).uscc, make_org(2).uscc], as_of=as_of, limit=200)

    leaves = _access_leaves(plan)

    assert leaves, plan
    assert all(kind in _INDEX_SEEKS for kind, _ in leaves), leaves
    assert any(kind == "NodeUniqueIndexSeek" and "Subject(key)" in details for kind, details in leaves), (
        leaves
    )


@pytest.mark.neo4j
@pytest.mark.parametrize("statement", ["get_subject_entries", "get_responsible_entries"])
def test_entry_lookups_start_from_a_unique_index_seek_on_subject_key(
    explain: Explain, statement: str
) -> None:
    entry = make_entry("430923-B-2025-0001", make_org(1).uscc)
    plan = explain(statement, keys=[entry.subject_id, make_org(2).uscc])

    leaves = _access_leaves(plan)

    assert len(leaves) == 1, leaves
    assert leaves[0][0] == "NodeUniqueIndexSeek" and "Subject(key)" in leaves[0][1], leaves


@pytest.mark.neo4j
def test_no_hot_statement_scans_a_label_or_the_whole_graph(explain: Explain) -> None:
    plans = {
        "adjacent_subjects": explain("adjacent_subjects", keys=[make_org(1).uscc], as_of=None, limit=10),
        "get_subject_entries": explain("get_subject_entries", keys=[make_org(1).uscc]),
        "get_incoming_relations": explain("get_incoming_relations", key=make_org(1).uscc),
        "get_incoming_relations_of": explain("get_incoming_relations_of", keys=[make_org(1).uscc]),
    }

    scans = {
        name: [_kind(op) for op in _operators(plan) if re.search(r"Scan$", _kind(op))]
        for name, plan in plans.items()
    }
    seeks_subject_key = {
        name: any(
            kind == "NodeUniqueIndexSeek" and "Subject(key)" in details
            for kind, details in _access_leaves(plan)
        )
        for name, plan in plans.items()
    }

    assert scans == {name: [] for name in plans}, scans
    assert seeks_subject_key == dict.fromkeys(plans, True), plans


@pytest.mark.neo4j
@pytest.mark.parametrize("as_of", [dt.date(2024, 1, 10), None], ids=["as_of", "history"])
def test_the_one_statement_check_view_starts_from_a_unique_index_seek_on_subject_key(
    explain: Explain, as_of: dt.date | None
) -> None:
    plan = explain("get_check_view", key=make_org(1).uscc, depth=4, as_of=as_of, limit=200)

    leaves = _access_leaves(plan)
    scans = [_kind(op) for op in _operators(plan) if re.search(r"Scan$", _kind(op))]

    assert leaves and all(kind in _INDEX_SEEKS for kind, _ in leaves), leaves
    assert leaves[0][0] == "NodeUniqueIndexSeek" and "Subject(key)" in leaves[0][1], leaves
    assert scans == [], scans


_RELATION_TYPE_LIST = re.compile(r"\[r:((?:[A-Z_]+\s*\|\s*)+[A-Z_]+)\]")


@pytest.mark.parametrize(
    "statement",
    [
        "adjacent_subjects",
        "get_check_view",
        "get_check_views",
        "get_relations",
        "get_outgoing_relations",
        "get_incoming_relations",
        "get_incoming_relations_of",
    ],
)
def test_typed_relation_patterns_name_exactly_every_relation_kind(statement: str) -> None:
    lists = [
        {name.strip() for name in found.split("|")} for found in _RELATION_TYPE_LIST.findall(query(statement))
    ]

    assert lists, f"{statement}.cypher has no typed relation pattern"
    assert all(types == {kind.neo4j_type for kind in RelationKind} for types in lists), lists


def test_clear_and_counts_cover_every_relation_kind() -> None:
    clear_types = set(re.findall(r"[A-Z_]{2,}", query("clear_relationships").split("MATCH", 1)[1]))
    counted = set(re.findall(r"\(\)-\[:([A-Z_]+)\]->\(\)", query("count_graph")))

    missing_in_clear = {kind.neo4j_type for kind in RelationKind} - clear_types
    missing_in_counts = {kind.neo4j_type for kind in RelationKind} - counted

    assert (missing_in_clear, missing_in_counts) == (set(), set()), (clear_types, counted)
