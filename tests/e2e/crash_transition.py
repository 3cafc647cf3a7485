"""Run one dispute resolution and kill this process (SIGKILL) in the middle of the store's write.

Used by tests/e2e/test_transition_atomicity.py as a subprocess::

    python -m tests.e2e.crash_transition <point> <entry_id> <dispute_id> <person_id>

The store is the one the environment configures (``GRAPH_SERVICE_*``, as the service would open it). The
resolution corrects the entry to name ``person_id`` as directly responsible, which changes the entry, its
personal links and its tasks in one store call. ``point`` is where the process dies:

* ``journal`` (embedded store) — half the journal record written and fsynced, the rest never;
* ``apply`` (embedded store) — the record committed, half its operations applied in memory;
* ``transaction`` (Neo4j) — entry, links and tasks written inside the open transaction, not committed.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
from collections.abc import Iterable
from typing import Any, NoReturn

from graph_service.bootstrap import open_store
from graph_service.config import Settings
from graph_service.domain.workflow import DisputeStatus
from graph_service.services.checks.catalog import load_catalog
from graph_service.services.workflow import entries as workflow
from graph_service.services.workflow.state import Policy
from graph_service.store.memory.graph import GraphState
from graph_service.store.memory.journal import FORMAT_VERSION, JournalWriter, frame
from graph_service.store.memory.ops import Op, encode
from graph_service.store.neo4j import steps as neo4j_steps

POINTS = ("journal", "apply", "transaction")


def _die() -> NoReturn:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("still alive after SIGKILL")  # pragma: no cover


def _half_a_record(self: JournalWriter, version: int, ops: Iterable[Op]) -> None:
    data = frame({"format": FORMAT_VERSION, "version": version, "ops": [encode(op) for op in ops]})
    self._f.write(data[: len(data) // 2])  # what a kill inside write() leaves on disk
    self._f.flush()
    os.fsync(self._f.fileno())
    _die()


def _half_the_operations(self: GraphState, ops: Iterable[Op]) -> None:
    planned = list(ops)
    for op in planned[: len(planned) // 2]:
        self.apply(op)
    _die()


_real_put = neo4j_steps.put_records


def _everything_but_the_commit(tx: Any, rows: Any) -> None:
    _real_put(tx, rows)  # the last write of the step: entry, links and tasks are all in the transaction
    _die()


def main(point: str, entry_id: str, dispute_id: str, person_id: str) -> None:
    if point not in POINTS:
        raise SystemExit(f"point must be one of {', '.join(POINTS)}, got {point!r}")
    settings = Settings()
    store = open_store(settings)  # opened first: the embedded store's recovery applies batches too
    if point == "journal":
        JournalWriter.append = _half_a_record  # type: ignore[method-assign]
    elif point == "apply":
        GraphState.apply_batch = _half_the_operations  # type: ignore[method-assign]
    else:
        neo4j_steps.put_records = _everything_but_the_commit
    workflow.resolve_dispute(
        store,
        load_catalog(settings.measures_file),
        entry_id,
        dispute_id,
        outcome=DisputeStatus.CORRECTED,
        reason="核实后更正：补充直接责任人",
        changes={"responsible_person_ids": [person_id]},
        actor="crash-test",
        now=dt.datetime.now(dt.UTC),
        policy=Policy(),
    )
    raise SystemExit("the resolution finished: the kill point was never reached")


if __name__ == "__main__":
    main(*sys.argv[1:5])
