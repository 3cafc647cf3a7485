"""Does a bulk-imported graph equal an upserted one? ``python -m benchmarks.import_parity A B``.

``A`` and ``B`` are two Neo4j databases holding the same registry, one loaded with ``graph-service load``
(UNWIND upserts), one with ``graph-service neo4j import`` (neo4j-admin). Compares

1. every node (labels and properties, found by its identity: subject key, entry id, region code, ...) and
   every relationship (type, both ends' identities, properties) — except what records the moment of
   writing (status-change and feed-event times), the counters' values (a count of write transactions)
   and where the feed's numbering starts (it continues across a clear);
2. the related-party check of a seeded sample of subjects at depth 2 and 3, field by field (without the
   check id and the data version).

Prints the differences and exits 1 if there are any. Each argument is ``bolt://host:port`` and the
password is taken from ``--password-a`` / ``--password-b`` (default: the benchmark's).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from neo4j import GraphDatabase

from benchmarks.backends import DEFAULT_NEO4J_PASSWORD
from benchmarks.workload import SCENARIO, sample_subjects
from graph_service.services.checks.catalog import default_catalog
from graph_service.services.checks.models import CheckRequest
from graph_service.services.checks.related_party import run_check
from graph_service.store.neo4j import Neo4jStore
from graph_service.synth import REFERENCE_DATE

# Node identity by label, checked in this order (a subject is also :Organization or :Person).
_IDENTITY = (
    ("Subject", "key"),
    ("ListEntry", "entry_id"),
    ("Region", "code"),
    ("Meta", "name"),
    ("FeedEvent", "seq"),
    ("Penalty", "key"),
)
# Properties that record when something was written, or how many transactions wrote it.
_VOLATILE = {"StatusChange": {"at"}, "Meta": {"value"}}

_DUMP_NODES = "MATCH (n) RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props"
_DUMP_RELATIONSHIPS = (
    "MATCH (a)-[r]->(b) RETURN elementId(a) AS a, elementId(b) AS b, type(r) AS type, properties(r) AS props"
)
_CHANGE_OWNER = "MATCH (e:ListEntry)-[:HAS_CHANGE]->(c) RETURN elementId(c) AS id, e.entry_id AS entry_id"


def _plain(value: Any) -> Any:
    """Driver values as JSON-able, comparable values."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value


def _feed_doc(doc: str) -> dict[str, Any]:
    """A feed event's JSON without the times it was recorded at."""
    data: dict[str, Any] = json.loads(doc)
    data.pop("at", None)
    if isinstance(data.get("change"), dict):
        data["change"].pop("at", None)
    return data


def dump(uri: str, password: str) -> tuple[Counter[str], Counter[str]]:
    """Every node and relationship as a canonical JSON line (a multiset, so duplicates would show)."""
    with GraphDatabase.driver(uri, auth=("neo4j", password)) as driver:
        nodes, _, _ = driver.execute_query(_DUMP_NODES)
        owners = {r["id"]: r["entry_id"] for r in driver.execute_query(_CHANGE_OWNER)[0]}
        # The feed numbers continue the database's earlier feed (kept across a clear): compare positions.
        seqs = [r["props"]["seq"] for r in nodes if "FeedEvent" in r["labels"]]
        feed_base = min(seqs) - 1 if seqs else 0
        identity: dict[str, str] = {}
        node_lines: Counter[str] = Counter()
        for record in nodes:
            labels = sorted(record["labels"])
            props = {k: _plain(v) for k, v in record["props"].items()}
            for label in labels:
                for name in _VOLATILE.get(label, ()):
                    props.pop(name, None)
            if "FeedEvent" in labels:
                props["doc"] = _feed_doc(props["doc"])
                props["seq"] -= feed_base
                props["origin_seq"] -= feed_base
            identity[record["id"]] = _identity(labels, record["props"], owners.get(record["id"]))
            node_lines[
                json.dumps({"labels": labels, "props": props}, sort_keys=True, ensure_ascii=False)
            ] += 1
        rel_lines: Counter[str] = Counter()
        for record in _stream(driver, _DUMP_RELATIONSHIPS):
            line = {
                "type": record["type"],
                "from": identity[record["a"]],
                "to": identity[record["b"]],
                "props": {k: _plain(v) for k, v in record["props"].items()},
            }
            rel_lines[json.dumps(line, sort_keys=True, ensure_ascii=False)] += 1
    return node_lines, rel_lines


def _stream(driver: Any, statement: str) -> Iterator[Any]:
    with driver.session(database="neo4j") as session:
        yield from session.run(statement)


def _identity(labels: list[str], props: dict[str, Any], change_owner: str | None) -> str:
    for label, key in _IDENTITY:
        if label in labels:
            return f"{label}:{props[key]}"
    if "StatusChange" in labels:
        return f"StatusChange:{change_owner}#{props.get('seq')}"
    return f"{'/'.join(labels)}:{json.dumps(props, sort_keys=True, default=str)}"


def _diff(name: str, a: Counter[str], b: Counter[str], limit: int = 10) -> int:
    only_a, only_b = a - b, b - a
    if only_a or only_b:
        print(f"{name}: {sum(only_a.values())} only in A, {sum(only_b.values())} only in B", file=sys.stderr)
        for line in list(only_a)[:limit]:
            print(f"  A: {line}", file=sys.stderr)
        for line in list(only_b)[:limit]:
            print(f"  B: {line}", file=sys.stderr)
    else:
        print(f"{name}: {sum(a.values())} identical")
    return sum(only_a.values()) + sum(only_b.values())


def compare_checks(uri_a: str, pw_a: str, uri_b: str, pw_b: str, subjects: list[str]) -> int:
    """Checks that answer differently on the two databases (every field but check id and data version)."""
    catalog = default_catalog()
    differing = 0
    with Neo4jStore(uri_a, "neo4j", pw_a) as a, Neo4jStore(uri_b, "neo4j", pw_b) as b:
        for depth in (2, 3):
            for subject_id in subjects:
                request = CheckRequest(
                    subject_id=subject_id, scenario=SCENARIO, depth=depth, as_of=REFERENCE_DATE
                )
                answers = [
                    run_check(store, catalog, request, as_of=REFERENCE_DATE, fan_out_limit=200).model_dump(
                        mode="json", exclude={"check_id", "data_version"}
                    )
                    for store in (a, b)
                ]
                if answers[0] != answers[1]:
                    differing += 1
                    if differing <= 5:
                        print(f"check {subject_id} depth {depth} differs", file=sys.stderr)
    print(f"checks: {2 * len(subjects) - differing} of {2 * len(subjects)} identical")
    return differing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.import_parity", description=__doc__)
    parser.add_argument("uri_a")
    parser.add_argument("uri_b")
    parser.add_argument("--password-a", default=DEFAULT_NEO4J_PASSWORD)
    parser.add_argument("--password-b", default=DEFAULT_NEO4J_PASSWORD)
    parser.add_argument("--registry", type=Path, help="registry directory to sample check subjects from")
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    nodes_a, rels_a = dump(args.uri_a, args.password_a)
    nodes_b, rels_b = dump(args.uri_b, args.password_b)
    differences = _diff("nodes", nodes_a, nodes_b) + _diff("relationships", rels_a, rels_b)
    if args.registry is not None:
        subjects = sample_subjects(args.registry, args.checks, args.seed)
        differences += compare_checks(args.uri_a, args.password_a, args.uri_b, args.password_b, subjects)
    return 1 if differences else 0


if __name__ == "__main__":
    raise SystemExit(main())
