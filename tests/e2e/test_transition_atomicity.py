"""An entry transition interrupted midway is applied whole or not at all: entry, history, tasks, links.

The transition is a dispute resolved as *corrected* to name a directly responsible person: one store call
that writes a new entry version, its status change, the dispute's outcome, the entry's personal links
(the person gains a credit-record link) and its tasks (the person gains tasks). Failures are injected
inside that store call:

* in a subprocess killed with SIGKILL (tests/e2e/crash_transition.py): halfway through the journal
  record, after the record but halfway through applying it in memory, or inside the open Neo4j
  transaction; the state is then read by a fresh store, as after a restart;
* in-process: the journal's fsync failing (disk full), the in-memory apply raising part-way, an error or
  a transient error inside the Neo4j transaction function.

Each outcome is compared part by part with the state before: either every part changed as the resolution
says, or none did.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from neo4j.exceptions import TransientError

from graph_service.domain.model import EntryStatus, ListEntry, RelationKind, StatusChange
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.workflow import Dispute, DisputeStatus, Task
from graph_service.errors import BackendUnavailable
from graph_service.services.checks.catalog import load_catalog
from graph_service.services.workflow import entries as workflow
from graph_service.services.workflow.state import Policy, entry_state
from graph_service.store.base import GraphStore
from graph_service.store.memory import MemoryStore
from graph_service.store.memory import journal as journal_module
from graph_service.store.memory.graph import GraphState
from graph_service.store.memory.journal import JOURNAL_NAME
from graph_service.store.neo4j import Neo4jStore
from graph_service.store.neo4j import steps as neo4j_steps
from tests._neo4j import Neo4jConnection
from tests.factories import make_entry, make_org, make_person, make_relation

REPO = Path(__file__).resolve().parents[2]
ORG = make_org(1)
REP = make_person(1)  # legal representative of ORG: linked and tasked from the start
CULPRIT = make_person(2)  # named directly responsible by the correction
CATALOG = load_catalog(None)
POLICY = Policy()


@dataclass(frozen=True)
class Snapshot:
    """Everything the transition touches, as one store reads it."""

    entry: ListEntry
    history: tuple[StatusChange, ...]
    tasks: tuple[Task, ...]
    links: tuple[PersonalLink, ...]
    disputes: tuple[Dispute, ...]


def _snapshot(store: GraphStore, entry_id: str) -> Snapshot:
    state = entry_state(store, entry_id)
    return Snapshot(
        entry=state.entry,
        history=tuple(state.history),
        tasks=tuple(sorted(state.tasks, key=lambda t: t.task_id)),
        links=tuple(sorted(store.links_of_entries([entry_id]), key=lambda link: link.key)),
        disputes=tuple(state.disputes),
    )


def _assert_unchanged(before: Snapshot, after: Snapshot) -> None:
    assert after == before, {part: getattr(after, part) != getattr(before, part) for part in vars(before)}


def _assert_applied_whole(before: Snapshot, after: Snapshot) -> None:
    changed = {part: getattr(after, part) != getattr(before, part) for part in vars(before)}
    assert all(changed.values()), changed
    assert after.entry.version == before.entry.version + 1, after.entry
    assert after.entry.status is EntryStatus.ACTIVE and CULPRIT.key in after.entry.responsible_person_ids
    assert [c.to_status for c in after.history[len(before.history) :]] == [EntryStatus.ACTIVE], after.history
    assert {link.person_id for link in after.links} == {REP.key, CULPRIT.key}, after.links
    assert any(t.subject_id == CULPRIT.key for t in after.tasks), [t.subject_id for t in after.tasks]
    assert [d.status for d in after.disputes] == [DisputeStatus.CORRECTED], after.disputes


def _prepare(store: GraphStore) -> tuple[str, str]:
    """ORG with its legal representative, an initiated black entry on ORG, and a dispute of it."""
    store.upsert_organizations([ORG])
    store.upsert_persons([REP, CULPRIT])
    store.upsert_relations(
        [make_relation(RelationKind.LEGAL_REPRESENTATIVE, REP.key, ORG.uscc, dt.date(2020, 1, 1))]
    )
    entry = make_entry("E-ATOM", ORG.uscc, act_on=dt.date(2024, 1, 2))
    workflow.create_entry(store, CATALOG, entry, today=dt.date.today(), policy=POLICY)
    now = dt.datetime.now(dt.UTC)
    dispute = workflow.file_dispute(
        store, entry.entry_id, grounds="责任人认定有误", filed_by=ORG.name, actor="t", now=now, policy=POLICY
    )
    return entry.entry_id, dispute.dispute_id


def _resolve(store: GraphStore, entry_id: str, dispute_id: str) -> None:
    workflow.resolve_dispute(
        store,
        CATALOG,
        entry_id,
        dispute_id,
        outcome=DisputeStatus.CORRECTED,
        reason="核实后更正：补充直接责任人",
        changes={"responsible_person_ids": [CULPRIT.key]},
        actor="t",
        now=dt.datetime.now(dt.UTC),
        policy=POLICY,
    )


# ---- backends ---------------------------------------------------------------------------------------


@dataclass
class Backend:
    """How to open the backend's store afresh (as after a restart), and its settings for a subprocess."""

    name: str
    open: Callable[[], GraphStore]
    settings: dict[str, str]


@pytest.fixture
def memory(tmp_path: Path) -> Backend:
    data = tmp_path / "data"
    return Backend("memory", lambda: MemoryStore(data), {"data_dir": str(data)})


@pytest.fixture
def neo4j(neo4j_connection: Neo4jConnection, tmp_path: Path) -> Iterator[Backend]:
    def open_neo4j() -> GraphStore:
        return Neo4jStore(
            uri=neo4j_connection.uri,
            user=neo4j_connection.user,
            password=neo4j_connection.password,
            database=neo4j_connection.database,
        )

    settings = {
        "neo4j_uri": neo4j_connection.uri,
        "neo4j_user": neo4j_connection.user,
        "neo4j_password": neo4j_connection.password,
        "neo4j_database": neo4j_connection.database,
        "data_dir": str(tmp_path / "unused"),
    }
    _clear(open_neo4j())
    yield Backend("neo4j", open_neo4j, settings)
    _clear(open_neo4j())


def _clear(store: GraphStore) -> None:
    try:
        store.clear()
    finally:
        store.close()


def _prepared(backend: Backend) -> tuple[str, str, Snapshot]:
    store = backend.open()
    try:
        entry_id, dispute_id = _prepare(store)
        return entry_id, dispute_id, _snapshot(store, entry_id)
    finally:
        store.close()


def _after_restart(backend: Backend, entry_id: str) -> Snapshot:
    store = backend.open()
    try:
        return _snapshot(store, entry_id)
    finally:
        store.close()


# ---- killed in a subprocess -------------------------------------------------------------------------


def _kill_inside(point: str, backend: Backend, entry_id: str, dispute_id: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_SERVICE_")}
    env.update({f"GRAPH_SERVICE_{k.upper()}": v for k, v in backend.settings.items()})
    command = [sys.executable, "-m", "tests.e2e.crash_transition", point, entry_id, dispute_id, CULPRIT.key]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == -9, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])


@pytest.mark.parametrize(
    ("backend_name", "point", "applied"),
    [
        pytest.param("memory", "journal", False, marks=pytest.mark.memory, id="memory-in-journal-write"),
        pytest.param("memory", "apply", True, marks=pytest.mark.memory, id="memory-after-journal-record"),
        pytest.param("neo4j", "transaction", False, marks=pytest.mark.neo4j, id="neo4j-before-commit"),
    ],
)
def test_a_transition_killed_midway_is_whole_or_absent_after_a_restart(
    request: pytest.FixtureRequest, backend_name: str, point: str, applied: bool
) -> None:
    backend: Backend = request.getfixturevalue(backend_name)
    entry_id, dispute_id, before = _prepared(backend)
    _kill_inside(point, backend, entry_id, dispute_id)
    after = _after_restart(backend, entry_id)
    if applied:
        _assert_applied_whole(before, after)
    else:
        _assert_unchanged(before, after)
    # The interrupted resolution can be made again, and then it is applied whole.
    if not applied:
        store = backend.open()
        try:
            _resolve(store, entry_id, dispute_id)
        finally:
            store.close()
        _assert_applied_whole(before, _after_restart(backend, entry_id))


# ---- injected in-process ----------------------------------------------------------------------------


@pytest.mark.memory
def test_a_journal_write_that_fails_changes_nothing_in_memory_or_on_disk(
    memory: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry_id, dispute_id, before = _prepared(memory)
    journal = Path(memory.settings["data_dir"]) / JOURNAL_NAME
    size = journal.stat().st_size

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    store = memory.open()
    try:
        monkeypatch.setattr(journal_module, "os", _OsWithFsync(disk_full))
        with pytest.raises(BackendUnavailable, match="No space left on device"):
            _resolve(store, entry_id, dispute_id)
        monkeypatch.undo()
        _assert_unchanged(before, _snapshot(store, entry_id))
    finally:
        store.close()
    assert journal.stat().st_size == size
    _assert_unchanged(before, _after_restart(memory, entry_id))


class _OsWithFsync:
    """The ``os`` module as the journal sees it, with ``fsync`` replaced (nothing else in the process)."""

    def __init__(self, fsync: Callable[[int], None]) -> None:
        self.fsync = fsync

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)


def _failing_once_at(call: int) -> Callable[[GraphState, Any], None]:
    """GraphState.apply raising on its ``call``-th call only (the reload that follows must work)."""
    real = GraphState.apply
    calls = 0

    def apply(self: GraphState, op: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == call:
            raise MemoryError("injected: out of memory part-way through the batch")
        real(self, op)

    return apply


@pytest.mark.memory
def test_an_in_memory_apply_failing_part_way_is_rebuilt_whole_from_the_journal(
    memory: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry_id, dispute_id, before = _prepared(memory)
    store = memory.open()
    try:
        monkeypatch.setattr(GraphState, "apply", _failing_once_at(3))
        _resolve(store, entry_id, dispute_id)  # committed: the journal holds it, so it stands
        monkeypatch.undo()
        _assert_applied_whole(before, _snapshot(store, entry_id))
    finally:
        store.close()
    _assert_applied_whole(before, _after_restart(memory, entry_id))


@pytest.mark.memory
def test_without_a_data_dir_an_apply_failing_part_way_closes_the_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = MemoryStore(None)
    entry_id, dispute_id = _prepare(store)
    monkeypatch.setattr(GraphState, "apply", _failing_once_at(3))
    with pytest.raises(BackendUnavailable, match="part-way through a batch"):
        _resolve(store, entry_id, dispute_id)
    with pytest.raises(BackendUnavailable, match="closed"):
        store.get_entries([entry_id])  # half a batch is never answered from


@pytest.mark.neo4j
@pytest.mark.parametrize(
    ("error", "applied"),
    [(RuntimeError("injected"), False), (TransientError("injected: deadlock, retry"), True)],
    ids=["error-rolls-back", "transient-error-is-retried"],
)
def test_an_error_inside_the_neo4j_transaction_rolls_back_every_part(
    neo4j: Backend, monkeypatch: pytest.MonkeyPatch, error: Exception, applied: bool
) -> None:
    entry_id, dispute_id, before = _prepared(neo4j)
    real_put = neo4j_steps.put_records
    raised: list[Exception] = []

    def put_then_fail(tx: Any, rows: Any) -> None:
        real_put(tx, rows)  # entry, links and tasks are written in this transaction by now
        if not raised:
            raised.append(error)
            raise error

    store = neo4j.open()
    try:
        monkeypatch.setattr(neo4j_steps, "put_records", put_then_fail)
        if applied:
            _resolve(store, entry_id, dispute_id)  # the managed transaction runs again, once
        else:
            with pytest.raises(Exception, match="injected"):
                _resolve(store, entry_id, dispute_id)
    finally:
        store.close()
    after = _after_restart(neo4j, entry_id)
    if applied:
        _assert_applied_whole(before, after)  # once: one new version, one status change
    else:
        _assert_unchanged(before, after)
