"""Timed loads of the registry into a store under benchmark: pipeline upserts, or a Neo4j bulk import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.backends import Backend
from graph_service.store.base import GraphStore
from loaders.pipeline import load

LOAD_PATHS = ("upsert", "bulk")
#: The name of the incremental load among a run's Neo4j loads (see :func:`incremental_load`).
INCREMENTAL = "incremental"


def upsert_load(store: GraphStore, registry: Path, rejects: Path, path: str = "upsert") -> dict[str, Any]:
    """``loaders.pipeline.load`` (what ``graph-service load`` runs): overall and per-file records/s."""
    report = load(store, registry, rejects=rejects)
    if not report.ok:
        raise RuntimeError(f"load failed: {report.failure}")
    return {
        "path": path,
        "seconds": report.seconds,
        "records": report.read,
        "rejected": report.rejected,
        "records_per_s": report.read / report.seconds,
        "files": {
            f.file: {
                "kind": f.kind,
                "read": f.read,
                "rejected": f.rejected,
                "seconds": f.seconds,
                "records_per_s": f.records_per_second,
            }
            for f in report.files
        },
    }


def bulk_load(backend: Backend, registry: Path, work: Path) -> dict[str, Any]:
    """``graph-service neo4j import`` (validate, write import files, neo4j-admin, restart, schema).

    ``records_per_s`` is over the wall time seen by the benchmark, restarts and index building included.
    """
    figures = backend.bulk_import(registry, work)
    return {
        "path": "bulk",
        "seconds": figures["wall_seconds"],
        "records": figures["records"],
        "rejected": figures["rejected"],
        "records_per_s": figures["wall_records_per_s"],
        "phases_s": figures["phases_s"],
        "files": figures["files"],
        "import_rows": figures["import_rows"],
        "importer_summary": figures["importer_summary"],
        "staging_peak_rss_mb": figures.get("staging_peak_rss_mb"),
    }


def load_neo4j(
    backend: Backend,
    store: GraphStore,
    paths: list[str],
    registry: Path,
    work: Path,
    log: Callable[[str], None],
) -> tuple[dict[str, dict[str, Any]], GraphStore]:
    """Load the registry by each path in turn, clearing the store first; the figures per path and the
    store to benchmark (reopened after a bulk import, which restarts the server)."""
    loads: dict[str, dict[str, Any]] = {}
    for path in paths:
        store.clear()
        log(f"[{backend.name}] loading {registry.name} ({path})")
        if path == "upsert":
            loads[path] = upsert_load(store, registry, work / f"{backend.name}-rejects.csv")
        elif path == "bulk":
            store.close()  # the import stops and restarts the server
            loads[path] = bulk_load(backend, registry, work)
            store = backend.open()
        else:
            raise ValueError(f"unknown load path {path!r}: one of {', '.join(LOAD_PATHS)}")
        figures = loads[path]
        log(f"[{backend.name}] {path}: {figures['records']:,} records in {figures['seconds']:.1f} s")
    return loads, store


def incremental_load(store: GraphStore, registry: Path, rejects: Path) -> dict[str, Any]:
    """:func:`upsert_load` of ``registry`` into a store that holds a run's whole graph already.

    What a county does after its first load: departments' new registrations, relations and list entries
    upserted into the graph in place, on a server that has been answering checks (its plans compiled,
    its JIT warm). A run's ``upsert`` figure is the first load of the registry into an empty database
    right after the server started, where the JVM's warm-up weighs: the same rows go 3-8x faster on the
    third load than on the first (benchmarks/results/profile-neo4j-upserts-quiet.txt).
    """
    return upsert_load(store, registry, rejects, INCREMENTAL)
