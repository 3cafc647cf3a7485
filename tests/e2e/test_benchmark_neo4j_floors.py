"""The Neo4j floors of the benchmark (benchmarks/neo4j_floor.py): every figure measured, nothing left behind.

No timing assertions (the figures are the benchmark's to report): these check that each figure is
measured, that the audit append writes into the benchmark's own chain and never the service's, and that
the scratch nodes and the benchmark's chain are gone afterwards, including those a killed run left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver

import benchmarks.neo4j_floor as floor_module
from benchmarks.neo4j_floor import AUDIT_CHAIN, SCRATCH_LABEL, floors_and_check
from graph_service.services.checks.catalog import default_catalog
from graph_service.store.neo4j import Neo4jStore
from tests._neo4j import Neo4jConnection
from tests.api.security_support import ORG, PERSON, seed

pytestmark = pytest.mark.neo4j

FIGURES = ("return_1", "one_statement", "view", "check", "durable_write", "audit_append")


@pytest.fixture
def store(neo4j_connection: Neo4jConnection) -> Iterator[Neo4jStore]:
    """The session's Neo4j holding tests/api/security_support.py's subjects, emptied after the test."""
    if neo4j_connection.database != "neo4j" or neo4j_connection.user != "neo4j":
        pytest.skip("benchmarks/neo4j_floor.py logs in as neo4j to the neo4j database")
    opened = Neo4jStore(
        neo4j_connection.uri, neo4j_connection.user, neo4j_connection.password, neo4j_connection.database
    )
    opened.clear()
    seed(opened)
    try:
        yield opened
    finally:
        opened.clear()
        opened.close()


def _count(driver: Driver, database: str, statement: str, **params: object) -> int:
    records, _, _ = driver.execute_query(statement, params, database_=database)
    return int(records[0]["n"])


def _measure(connection: Neo4jConnection, store: Neo4jStore, subjects: list[str]) -> dict[str, Any]:
    """The benchmark's Neo4j floors over ``subjects``, as benchmarks/run.py takes them."""
    return floors_and_check(
        connection.uri, connection.password, store, default_catalog(), subjects, dt.date(2026, 1, 1), 200
    )


def _leftovers(driver: Driver, database: str) -> dict[str, int]:
    return {
        "scratch": _count(driver, database, f"MATCH (n:{SCRATCH_LABEL}) RETURN count(n) AS n"),
        "records": _count(
            driver, database, "MATCH (r:AuditRecord {chain: $chain}) RETURN count(r) AS n", chain=AUDIT_CHAIN
        ),
        "heads": _count(
            driver, database, "MATCH (h:AuditHead {name: $chain}) RETURN count(h) AS n", chain=AUDIT_CHAIN
        ),
    }


def test_every_floor_is_measured_into_its_own_chain_and_removed_after(
    neo4j_connection: Neo4jConnection, neo4j_driver: Driver, store: Neo4jStore
) -> None:
    driver, database = neo4j_driver, neo4j_connection.database
    # What a run killed before its clean-up would have left: removed before the figures are taken.
    driver.execute_query(f"CREATE (:{SCRATCH_LABEL} {{n: 0}})", database_=database)
    driver.execute_query(
        "CREATE (:AuditRecord {chain: $chain, seq: 1, hash: 'stale'})", chain=AUDIT_CHAIN, database_=database
    )
    service_records = "MATCH (r:AuditRecord {chain: 'audit'}) RETURN count(r) AS n"
    before = _count(driver, database, service_records)
    subjects = [ORG.uscc, PERSON.key] * 3

    floors = _measure(neo4j_connection, store, subjects)

    for name in FIGURES:
        assert floors[name]["p50_ms"] > 0, name
        assert floors[name]["p99_ms"] >= floors[name]["p50_ms"], name
    assert floors["check_and_audit_p50_ms"] == pytest.approx(
        floors["check"]["p50_ms"] + floors["audit_append"]["p50_ms"]
    )
    assert floors["subjects"] == len(subjects)
    assert isinstance(floors["met"], bool)
    assert _leftovers(driver, database) == {"scratch": 0, "records": 0, "heads": 0}
    assert _count(driver, database, service_records) == before  # the service's own chain is untouched


def test_the_audit_append_writes_one_record_per_figure_taken(
    neo4j_connection: Neo4jConnection,
    neo4j_driver: Driver,
    store: Neo4jStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each ``audit_append`` is a real durable append (counted just before the clean-up removes them)."""
    driver, database = neo4j_driver, neo4j_connection.database
    seen: list[dict[str, int]] = []
    remove = floor_module.remove_scratch

    def counting_remove(found: Driver) -> None:
        seen.append(_leftovers(driver, database))
        remove(found)

    monkeypatch.setattr(floor_module, "remove_scratch", counting_remove)
    subjects = [ORG.uscc, PERSON.key]
    _measure(neo4j_connection, store, subjects)
    # Warm-up (each subject once) and ROUNDS rounds, each subject once per figure.
    taken = len(subjects) * (1 + floor_module.ROUNDS)
    assert seen[-1] == {"scratch": taken, "records": taken, "heads": 1}
    assert _leftovers(driver, database) == {"scratch": 0, "records": 0, "heads": 0}
