"""A ``graph-service load`` killed with SIGKILL midway loses no committed batch, and a rerun finishes the job.

On both backends a synthetic registry is loaded by a real ``graph-service load`` process that is killed
(SIGKILL: no clean-up of any kind) once part of the data is in the store. Rerunning the same load must give
exactly the counts of an uninterrupted load, as ``graph-service stats --json`` prints them.

On the embedded store the journal is read independently of the store's recovery code: every record
complete on disk when the process died (a committed batch) must be in the reopened store, and a torn
record after them (what a kill in the middle of a write leaves) is dropped, not fatal.

About 15 s on the embedded store and 20 s on Neo4j (more on a busy machine). The same scenario at other
sizes runs by hand with ``GRAPH_SERVICE_CRASH_ORGS`` (organisations in the synthetic registry; see
docs/security.md).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from graph_service.store.memory import MemoryStore
from graph_service.store.memory.journal import JOURNAL_NAME, frame, unframe
from graph_service.store.memory.ops import DropSubject, PutEntry, PutRelation, PutSubject, decode
from graph_service.store.neo4j import Neo4jStore
from graph_service.synth import generate
from tests._neo4j import Neo4jConnection

pytestmark = pytest.mark.slow

# Not Settings fields: these size the test, not the service.
ORGS = int(os.environ.get("GRAPH_SERVICE_CRASH_ORGS", "3000"))  # ~12 journal records, ~2 s to load
NEO4J_ORGS = max(ORGS // 30, 50)  # one transaction per file and batch: ~8 commits, ~3 s to load
_CLI = "from graph_service.cli.main import app; app()"


def _env(**settings: str) -> dict[str, str]:
    """This process's environment without any GRAPH_SERVICE_ setting, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_SERVICE_")}
    env.update({f"GRAPH_SERVICE_{k.upper()}": v for k, v in settings.items()})
    return env


def _load_command(source: Path, work: Path) -> list[str]:
    return [sys.executable, "-c", _CLI, "load", str(source), "--rejects", str(work / "rejects.csv")]


def _load(source: Path, work: Path, env: Mapping[str, str]) -> None:
    done = subprocess.run(_load_command(source, work), env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _stats(env: Mapping[str, str]) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", _CLI, "stats", "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    counts: dict[str, int] = json.loads(done.stdout)
    return counts


def _kill_midway(source: Path, work: Path, env: Mapping[str, str], midway: Callable[[], bool]) -> None:
    """Start the load and SIGKILL it as soon as ``midway()``; fail if the load ended first."""
    process = subprocess.Popen(
        _load_command(source, work), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 300
        while not midway():
            assert process.poll() is None, "the load ended before it could be killed: use more organisations"
            assert time.monotonic() < deadline, "the load never got midway"
            time.sleep(0.01)
        assert process.poll() is None, "the load ended before it could be killed: use more organisations"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, process.stderr.read() if process.stderr else ""


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("registry")
    generate(source, orgs=ORGS, seed=11)
    return source


# ---- embedded store ---------------------------------------------------------------------------------


def _complete_records(journal: Path) -> list[dict[str, Any]]:
    """The journal's records that reached the disk whole (checksum and newline), read without the store."""
    records = []
    with journal.open("rb") as f:
        for line in f:
            payload = unframe(line)
            if payload is None:
                break
            records.append(payload)
    return records


def _expected_keys(records: list[dict[str, Any]]) -> tuple[set[str], set[str], set[str]]:
    """Subjects, relations and entries the records leave behind, folded here from the raw operations."""
    subjects: set[str] = set()
    relations: set[str] = set()
    entries: set[str] = set()
    for record in records:
        for op in map(decode, record["ops"]):
            if isinstance(op, PutSubject):
                subjects.add(op.subject.key)
            elif isinstance(op, DropSubject):
                subjects.discard(op.key)
            elif isinstance(op, PutRelation):
                relations.add(op.relation.key)
            elif isinstance(op, PutEntry):
                entries.add(op.entry.entry_id)
    return subjects, relations, entries


@pytest.mark.memory
def test_an_embedded_load_killed_midway_keeps_every_committed_batch_and_a_rerun_gives_the_full_counts(
    registry: Path, tmp_path: Path
) -> None:
    reference_env = _env(data_dir=str(tmp_path / "reference"))
    _load(registry, tmp_path, reference_env)
    reference = _stats(reference_env)
    # Halfway through, by the number of batches the uninterrupted load committed.
    kill_after = len(_complete_records(tmp_path / "reference" / JOURNAL_NAME)) // 2
    assert kill_after >= 2, kill_after

    data = tmp_path / "crashed"
    env = _env(data_dir=str(data))
    journal = data / JOURNAL_NAME

    seen = {"bytes": 0, "records": 0}

    def midway() -> bool:  # reads only what was appended since the last look
        if not journal.exists():
            return False
        with journal.open("rb") as f:
            f.seek(seen["bytes"])
            appended = f.read()
        seen["bytes"] += len(appended)
        seen["records"] += appended.count(b"\n")
        return seen["records"] >= kill_after

    _kill_midway(registry, tmp_path, env, midway)
    records = _complete_records(journal)
    assert len(records) >= kill_after, len(records)
    # What a kill in the middle of write() leaves: the start of the next record, no newline.
    torn = frame({"format": 1, "version": records[-1]["version"] + 1, "ops": records[0]["ops"]})
    with journal.open("ab") as f:
        f.write(torn[: len(torn) // 2])

    subjects, relations, entries = _expected_keys(records)
    with MemoryStore(data, read_only=True) as recovered:
        assert recovered.data_version() == records[-1]["version"] == len(records), recovered.data_version()
        found = recovered.get_subjects(subjects)
        assert set(found) == subjects, sorted(subjects - set(found))[:5]
        counts = recovered.counts()
        assert counts["organizations"] + counts["persons"] + counts["unresolved_persons"] == len(subjects)
        assert set(recovered.get_entries(entries)) == entries, sorted(entries)[:5]
        stored_relations = {
            r.key for org in found for r in recovered.relations_of(org, as_of=None, direction="in")
        }
        assert relations <= stored_relations, sorted(relations - stored_relations)[:5]
    assert counts != reference, "killed after the load had finished writing: not midway"

    _load(registry, tmp_path, env)  # the rerun, as a writer, also cuts the torn record off
    assert _stats(env) == reference
    assert journal.read_bytes().endswith(b"\n"), "the torn record must be cut off by the writer"


# ---- Neo4j ------------------------------------------------------------------------------------------


@pytest.fixture
def neo4j(neo4j_connection: Neo4jConnection) -> Neo4jStore:
    """The session's Neo4j, emptied: this test owns the database while it runs."""
    store = Neo4jStore(
        uri=neo4j_connection.uri,
        user=neo4j_connection.user,
        password=neo4j_connection.password,
        database=neo4j_connection.database,
    )
    store.clear()
    return store


@pytest.mark.neo4j
def test_a_neo4j_load_killed_midway_rerun_gives_the_counts_of_an_uninterrupted_load(
    neo4j: Neo4jStore, neo4j_connection: Neo4jConnection, tmp_path: Path
) -> None:
    source = tmp_path / "registry"
    generate(source, orgs=NEO4J_ORGS, seed=11)
    env = _env(
        neo4j_uri=neo4j_connection.uri,
        neo4j_user=neo4j_connection.user,
        neo4j_password=neo4j_connection.password,
        neo4j_database=neo4j_connection.database,
        data_dir=str(tmp_path / "unused"),
    )
    try:
        _load(source, tmp_path, env)
        reference = _stats(env)
        neo4j.clear()
        start = neo4j.data_version()

        def midway() -> bool:  # organisations and persons committed, relations and entries not yet
            return neo4j.data_version() >= start + 2

        _kill_midway(source, tmp_path, env, midway)
        partial = _stats(env)
        assert partial["organizations"] == reference["organizations"], partial
        assert partial != reference, "killed after the load had finished writing: not midway"

        _load(source, tmp_path, env)
        assert _stats(env) == reference
    finally:
        neo4j.clear()
        neo4j.close()
