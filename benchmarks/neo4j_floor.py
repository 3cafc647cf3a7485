"""The Neo4j check against its floors, measured interleaved in the same run (same server, same load).

- ``return_1``: ``RETURN 1`` as an auto-commit read, one Bolt round trip and nothing else.
- ``one_statement``: a hand-written depth-2 statement that a bare screen would run: every subject within
  two hops over relations valid on ``as_of`` with the ids of the live entries on it, one auto-commit
  read, records decoded by the driver but turned into nothing (no limit per node, no paths, no models).
- ``view``: our store read alone, ``check_view`` at the same depth (the one statement, decoded into a
  :class:`CheckView`: where a check's time goes, server and decoding against the rest).
- ``check``: our ``run_check`` in process at the same depth (the ``check_view``, then paths, measures,
  verdict and green channel in Python).
- ``durable_write``: the smallest durable write, an auto-commit ``CREATE`` of one scratch node (one round
  trip and a commit: the floor of anything that must be on disk before it answers).
- ``audit_append``: what ``POST /v1/checks`` adds on Neo4j after the check, the check's audit record made
  durable as the route makes it (:meth:`~graph_service.audit.base.BatchingAuditLog.record_leading`, one
  append statement into a chain of the benchmark's own). A check is acknowledged only after it, so the
  HTTP latency of a lone check is at least ``check`` + ``audit_append`` + the HTTP floor.

Each round asks every subject once per figure, the figures alternating subject by subject, so a
burst of load on the shared machine hits all of them alike; the figures are medians over the rounds.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import Any

from neo4j import READ_ACCESS, WRITE_ACCESS, Driver, GraphDatabase, Query

from benchmarks.http_floor import check_event
from benchmarks.stats import summarize_ms
from benchmarks.workload import SCENARIO
from graph_service.audit.neo4j import Neo4jAuditLog
from graph_service.domain.measures import Catalog
from graph_service.domain.model import RelationKind
from graph_service.services.checks.models import CheckRequest
from graph_service.services.checks.related_party import run_check
from graph_service.store.base import GraphStore

ROUNDS = 3
DEPTH = 2
DATABASE = "neo4j"
#: The audit chain ``audit_append`` writes: the benchmark's own, removed afterwards (never ``audit``).
AUDIT_CHAIN = "benchmark-floor"
#: The label of the ``durable_write`` floor's nodes, removed afterwards.
SCRATCH_LABEL = "BenchmarkScratch"

# Written for the floor only: the benchmark's statement, not the store's (never run by the service).
TYPES = "|".join(kind.neo4j_type for kind in RelationKind)
ONE_STATEMENT_DEPTH_2 = """
MATCH (s:Subject {key: $key})
OPTIONAL MATCH (s)-[r1:TYPES]-(a:Subject)
WHERE (r1.start_on IS NULL OR r1.start_on <= $as_of) AND (r1.end_on IS NULL OR $as_of < r1.end_on)
OPTIONAL MATCH (a)-[r2:TYPES]-(b:Subject)
WHERE (r2.start_on IS NULL OR r2.start_on <= $as_of) AND (r2.end_on IS NULL OR $as_of < r2.end_on)
WITH s, collect(DISTINCT a) + collect(DISTINCT b) AS near
UNWIND [s] + near AS n
WITH DISTINCT n
RETURN collect({
  key: n.key,
  entries: [(n)<-[:ON]-(e:ListEntry) WHERE e.status IN ['active', 'disputed'] | e.entry_id]
}) AS reached
""".replace("TYPES", TYPES)
DURABLE_WRITE = f"CREATE (:{SCRATCH_LABEL} {{n: $n}})"
# By label and index, one statement each (a scan of every node would cost seconds at 1M).
REMOVE_SCRATCH = (
    f"MATCH (n:{SCRATCH_LABEL}) DETACH DELETE n",
    "MATCH (r:AuditRecord {chain: $chain}) DETACH DELETE r",
    "MATCH (h:AuditHead {name: $chain}) DETACH DELETE h",
)


def remove_scratch(driver: Driver) -> None:
    """Delete what ``durable_write`` and ``audit_append`` wrote (scratch nodes, the benchmark's chain)."""
    for statement in REMOVE_SCRATCH:
        driver.execute_query(statement, chain=AUDIT_CHAIN, database_=DATABASE)


def floors_and_check(
    uri: str,
    password: str,
    store: GraphStore,
    catalog: Catalog,
    subjects: list[str],
    as_of: dt.date,
    fan_out_limit: int,
) -> dict[str, Any]:
    """Latencies of each figure of the module docstring (medians of :data:`ROUNDS` rounds)."""
    driver = GraphDatabase.driver(uri, auth=("neo4j", password))
    audit: Neo4jAuditLog | None = None
    try:
        remove_scratch(driver)  # a run killed before its clean-up must not leave its chain in the way
        audit = Neo4jAuditLog(driver, DATABASE, chain=AUDIT_CHAIN)
        with (
            driver.session(database=DATABASE, default_access_mode=READ_ACCESS) as session,
            driver.session(database=DATABASE, default_access_mode=WRITE_ACCESS) as writes,
        ):
            written = 0  # durable writes so far, and audit records: each gets its own number

            def return_1(_key: str) -> None:
                session.run(Query("RETURN 1 AS one")).single(strict=True)

            def one_statement(key: str) -> None:
                session.run(Query(ONE_STATEMENT_DEPTH_2), key=key, as_of=as_of).single(strict=True)

            def check(key: str) -> None:
                request = CheckRequest(subject_id=key, scenario=SCENARIO, depth=DEPTH, as_of=as_of)
                run_check(store, catalog, request, as_of=as_of, fan_out_limit=fan_out_limit)

            def view(key: str) -> None:
                store.check_view(key, depth=DEPTH, as_of=as_of, limit_per_node=fan_out_limit)

            def durable_write(_key: str) -> None:
                nonlocal written
                written += 1
                writes.run(Query(DURABLE_WRITE), n=written).consume()

            def audit_append(key: str) -> None:
                nonlocal written
                written += 1
                assert audit is not None
                ticket = audit.record_leading(check_event(written, key, as_of))
                if ticket is not None:
                    audit.wait_durable(ticket)

            figures: dict[str, Callable[[str], None]] = {
                "return_1": return_1,
                "one_statement": one_statement,
                "view": view,
                "check": check,
                "durable_write": durable_write,
                "audit_append": audit_append,
            }
            for key in subjects[:50]:  # warm-up: plans compiled, pages cached
                for fn in figures.values():
                    fn(key)
            rounds: dict[str, list[dict[str, float]]] = {name: [] for name in figures}
            for _ in range(ROUNDS):
                timings: dict[str, list[float]] = {name: [] for name in figures}
                for key in subjects:
                    for name, fn in figures.items():
                        started = time.perf_counter()
                        fn(key)
                        timings[name].append(time.perf_counter() - started)
                for name in figures:
                    rounds[name].append(summarize_ms(timings[name]))
    finally:
        try:
            if audit is not None:
                audit.close()
            remove_scratch(driver)
        finally:
            driver.close()
    out: dict[str, Any] = {
        "depth": DEPTH,
        "rounds": ROUNDS,
        "subjects": len(subjects),
        **{
            name: {
                q: statistics.median(r[q] for r in per_round)
                for q in ("p50_ms", "p95_ms", "p99_ms", "mean_ms")
                if q in per_round[0]
            }
            for name, per_round in rounds.items()
        },
    }
    out["check_p50_over_one_statement_p50"] = out["check"]["p50_ms"] / out["one_statement"]["p50_ms"]
    # What a lone acknowledged check costs before HTTP: its check, then its durable audit record.
    out["check_and_audit_p50_ms"] = out["check"]["p50_ms"] + out["audit_append"]["p50_ms"]
    out["target_ratio"] = 1.5
    out["met"] = out["check_p50_over_one_statement_p50"] <= out["target_ratio"]
    return out
