"""A revocation that arrives by load is a transition a peer recognises (two real processes, 127.0.0.1).

County A loads a department's export with ``graph-service load`` (the lifecycle's load door): the entry
is initiated with its tasks and feed event, and county B's ``graph-service sync`` recognises it — B's
check of the company A's enterprise holds hits it. A later export of the same entry marked ``revoked``,
loaded the same way, is a transition (version 2, history, tasks lifted, feed event); after the next sync
B no longer hits it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from graph_service.domain.lifecycle import TaskStatus
from graph_service.domain.workflow import TaskFilter
from graph_service.store.memory import MemoryStore
from tests.e2e.test_federation import (
    CLI,
    DEPT,
    ENTERPRISE,
    _check,
    _counties,
    _free_port,
    _seed,
    _serve,
    _sync,
)

HEADER = "entry_id,subject_id,list,domain,reason,decided_on,valid_until,initiating_dept,status\n"
ENTRY = "430923-B-2026-0777"


def _export(directory: Path, status: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    row = f"{ENTRY},{ENTERPRISE.uscc},black,tax,逾期未申报缴纳税款,2026-03-02,2029-03-01,{DEPT},{status}\n"
    (directory / "list_entries.csv").write_text(HEADER + row, encoding="utf-8")
    return directory


def _load(env: dict[str, str], source: Path) -> None:
    done = subprocess.run(
        [CLI, "load", str(source), "--operator", "operator-li"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-2000:])


@pytest.mark.slow
def test_a_loaded_revocation_lifts_the_tasks_and_reaches_the_peer(tmp_path: Path) -> None:
    dir_a, dir_b = tmp_path / "a", tmp_path / "b"
    _seed(dir_a, dir_b)
    port_a = _free_port()
    env_a, env_b = _counties(dir_a, dir_b, port_a)

    _load(env_a, _export(tmp_path / "export-1", "active"))
    with MemoryStore(dir_a, read_only=True) as a:
        assert a.get_entries([ENTRY])[ENTRY].version == 1
        tasks = a.get_tasks(TaskFilter(entry_id=ENTRY))
        assert tasks and {t.status for t in tasks} == {TaskStatus.PENDING}, tasks
    with _serve(env_a, port_a, tmp_path / "a.log"):
        _sync(env_b)
    hits = {hit["subject_id"] for hit in _check(env_b, tmp_path / "b.log")["hits"]}
    assert ENTERPRISE.uscc in hits, hits

    _load(env_a, _export(tmp_path / "export-2", "revoked"))
    with MemoryStore(dir_a, read_only=True) as a:
        revoked = a.get_entries([ENTRY])[ENTRY]
        assert (revoked.version, revoked.status.value) == (2, "revoked"), revoked
        assert [c.to_status.value for c in a.entry_history(ENTRY)] == ["active", "revoked"]
        assert {t.status for t in a.get_tasks(TaskFilter(entry_id=ENTRY))} == {TaskStatus.LIFTED}
    with _serve(env_a, port_a, tmp_path / "a.log"):
        summary = _sync(env_b)[-1]
    assert summary["applied"] == 1, summary
    with MemoryStore(dir_b, read_only=True) as b:
        assert b.get_entries([ENTRY])[ENTRY].status.value == "revoked"
    hits = {hit["subject_id"] for hit in _check(env_b, tmp_path / "b.log")["hits"]}
    assert ENTERPRISE.uscc not in hits, hits
