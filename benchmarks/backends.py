"""The two stores under benchmark: how to open each, and the environment that points the API at it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph_service.config import Settings
from graph_service.store.base import GraphStore
from graph_service.store.memory import MemoryStore
from graph_service.store.neo4j import Neo4jStore

# A benchmark-only password for the throw-away server in its own home (overridable by the environment).
DEFAULT_NEO4J_PASSWORD = "bench-graph-service"


@dataclass
class Backend:
    """A store to load and check against, and the GRAPH_SERVICE_* variables for the API server."""

    name: str
    server_env: dict[str, str]
    settings: dict[str, Any] = field(default_factory=dict)
    # GRAPH_SERVICE_NEO4J_* of the local server's home, for `graph-service neo4j import` (Neo4j only).
    launcher_env: dict[str, str] = field(default_factory=dict)

    def open(self) -> GraphStore:
        if self.name == "memory":
            return MemoryStore(Path(self.server_env["GRAPH_SERVICE_DATA_DIR"]))
        return Neo4jStore(
            uri=self.server_env["GRAPH_SERVICE_NEO4J_URI"],
            user="neo4j",
            password=self.server_env["GRAPH_SERVICE_NEO4J_PASSWORD"],
            database="neo4j",
            timeout_s=600.0,
        )

    def bulk_import(self, registry: Path, work: Path) -> dict[str, Any]:
        """``graph-service neo4j import`` of ``registry`` into this (empty) Neo4j, as a child process.

        A child, so the staging graph's memory is given back before the benchmark goes on. Returns the
        command's figures plus its wall time as seen from here (Python start and server restarts included).
        """
        if not self.launcher_env:
            raise RuntimeError(f"the {self.name} backend has no local Neo4j home to import into")
        report = work / "bulk-import.json"
        report.unlink(missing_ok=True)
        script = Path(sys.executable).parent / "graph-service"
        command = [str(script), "neo4j", "import", str(registry), "--rejects", str(work / "bulk-rejects.csv")]
        began = time.perf_counter()
        done = subprocess.run(
            [*command, "--files-dir", str(work / "import-files"), "--report-json", str(report)],
            env={**os.environ, **self.launcher_env},
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - began
        if done.returncode != 0:
            raise RuntimeError(
                f"graph-service neo4j import failed ({done.returncode}):\n{done.stderr[-3000:]}"
            )
        figures: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
        figures["wall_seconds"] = wall
        figures["wall_records_per_s"] = figures["records"] / wall
        return figures


def memory_backend(work: Path) -> Backend:
    """An embedded store in a fresh data dir under the work dir (a previous run's is removed)."""
    data_dir = work / "memory-store"
    shutil.rmtree(data_dir, ignore_errors=True)
    return Backend("memory", {"GRAPH_SERVICE_DATA_DIR": str(data_dir)})


@contextmanager
def neo4j_backend(home: Path, port: int, heap: str, pagecache: str) -> Iterator[Backend]:
    """A local Neo4j in its own home on ``port`` (started by the project's launcher, stopped afterwards
    unless it was already running)."""
    from graph_service.neo4j_local import LaunchOptions, LocalNeo4j

    repo_lib = Path(__file__).resolve().parent.parent / ".neo4j" / "lib"
    password = os.environ.get("GRAPH_SERVICE_NEO4J_PASSWORD") or DEFAULT_NEO4J_PASSWORD
    settings = Settings(
        neo4j_home=home,
        neo4j_bolt_port=port,
        neo4j_heap=heap,
        neo4j_pagecache=pagecache,
        neo4j_password=password,  # pydantic turns the str into a SecretStr
        neo4j_lib_dir=repo_lib,
        neo4j_uri=None,
    )
    launcher = LocalNeo4j(LaunchOptions.from_settings(settings))
    started = launcher.start()
    env = {
        "GRAPH_SERVICE_NEO4J_URI": started.bolt_uri,
        "GRAPH_SERVICE_NEO4J_PASSWORD": password,
    }
    launcher_env = {
        "GRAPH_SERVICE_NEO4J_HOME": str(home),
        "GRAPH_SERVICE_NEO4J_LIB_DIR": str(repo_lib),
        "GRAPH_SERVICE_NEO4J_BOLT_PORT": str(port),
        "GRAPH_SERVICE_NEO4J_HEAP": heap,
        "GRAPH_SERVICE_NEO4J_PAGECACHE": pagecache,
        "GRAPH_SERVICE_NEO4J_PASSWORD": password,
    }
    try:
        yield Backend("neo4j", env, {"heap": heap, "pagecache": pagecache, "bolt_port": port}, launcher_env)
    finally:
        # Stopped unless it ran before (a bulk import restarts the server, which is still ours to stop).
        if not started.already_running:
            launcher.stop()


def neo4j_version(backend: Backend) -> str | None:
    """The server's version, as ``dbms.components()`` reports it."""
    from neo4j import GraphDatabase

    env = backend.server_env
    auth = ("neo4j", env["GRAPH_SERVICE_NEO4J_PASSWORD"])
    with GraphDatabase.driver(env["GRAPH_SERVICE_NEO4J_URI"], auth=auth) as driver:
        records, _, _ = driver.execute_query("CALL dbms.components() YIELD versions RETURN versions[0] AS v")
        return str(records[0]["v"]) if records else None
