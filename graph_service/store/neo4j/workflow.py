"""Transaction functions of the workflow: steps, tasks, disputes, repair applications, webhook outbox.

Records are ``:WorkflowRecord`` nodes keyed by ``(kind, key)`` holding the validated model as JSON in
``doc`` (copies of ``entry_id``, ``department``, ``status`` and ``version`` are kept for filtering). Each
function is one managed transaction; it reads what the checks need, runs the port's checks
(:mod:`graph_service.store.contract`) and only then writes, so a refused request leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TypeVar

from neo4j import ManagedTransaction

from cypher import query
from graph_service.domain.model import EntryFilter, ListEntry
from graph_service.domain.webhooks import Delivery, DeliveryStatus
from graph_service.domain.workflow import Dispute, RepairApplication, Task, TaskFilter
from graph_service.store import contract
from graph_service.store.neo4j import steps, writes
from graph_service.store.neo4j.batches import chunks
from graph_service.store.neo4j.mapping import entry_from
from graph_service.store.neo4j.workflow_rows import Kind, record_row
from graph_service.store.workflow_port import EntryStep

_Record = TypeVar("_Record", Task, Dispute, RepairApplication, Delivery)


def write_step(tx: ManagedTransaction, step: EntryStep, now: dt.datetime) -> None:
    """One workflow step: see :meth:`WorkflowPort.write_step`. Everything is read and checked first."""
    steps.write_steps(tx, [step], now)


def write_steps(tx: ManagedTransaction, entry_steps: Sequence[EntryStep], now: dt.datetime) -> None:
    """Workflow steps in order in one transaction: see :meth:`WorkflowPort.write_steps`. Each step is
    checked against what the transaction's earlier steps wrote; a refused one rolls back the whole
    transaction. Written a run of steps at a time (:mod:`.steps`)."""
    steps.write_steps(tx, entry_steps, now)


def save_task_feedback(tx: ManagedTransaction, task: Task) -> None:
    """A task's next version (optimistic version check under the record's write lock)."""
    stored = {t.task_id: t for t in _locked(tx, "task", [task.task_id], Task)}
    contract.require_stored_task(task.task_id, stored.get(task.task_id))
    contract.require_next_task_versions(stored, [task])
    steps.put_records(tx, [record_row(task)])
    writes.bump_data_version(tx)


def save_delivery(tx: ManagedTransaction, delivery: Delivery) -> None:
    """A delivery's next version (optimistic version check under the record's write lock)."""
    stored = _locked(tx, "delivery", [delivery.delivery_id], Delivery)
    contract.require_next_delivery_version(stored[0] if stored else None, delivery)
    steps.put_records(tx, [record_row(delivery)])
    writes.bump_data_version(tx)


def deliveries(
    tx: ManagedTransaction, statuses: frozenset[DeliveryStatus] | None, delivery_id: str | None
) -> list[Delivery]:
    wanted = None if statuses is None else sorted(s.value for s in statuses)
    return _get(tx, "delivery", Delivery, key=delivery_id, statuses=wanted)


def entry_page(
    tx: ManagedTransaction, flt: EntryFilter | None, after: str | None, limit: int
) -> list[ListEntry]:
    """One page of entries (see :meth:`WorkflowPort.list_entries`)."""
    flt = flt or EntryFilter()
    result = tx.run(
        query("list_entries"),
        after=after,
        lists=None if flt.lists is None else sorted(k.value for k in flt.lists),
        statuses=None if flt.statuses is None else sorted(s.value for s in flt.statuses),
        day=flt.in_validity_on,
        limit=limit,
    )
    return [entry_from(record["props"]) for record in result]


def tasks(tx: ManagedTransaction, flt: TaskFilter) -> list[Task]:
    statuses = None if flt.statuses is None else sorted(s.value for s in flt.statuses)
    return _get(tx, "task", Task, entry_id=flt.entry_id, department=flt.department, statuses=statuses)


def records(
    tx: ManagedTransaction, kind: Kind, model: type[_Record], entry_id: str | None, key: str | None
) -> list[_Record]:
    return _get(tx, kind, model, entry_id=entry_id, key=key)


def _get(
    tx: ManagedTransaction,
    kind: Kind,
    model: type[_Record],
    *,
    entry_id: str | None = None,
    key: str | None = None,
    department: str | None = None,
    statuses: list[str] | None = None,
) -> list[_Record]:
    result = tx.run(
        query("get_workflow_records"),
        kind=kind,
        entry_id=entry_id,
        key=key,
        department=department,
        statuses=statuses,
    )
    return [model.model_validate_json(record["doc"]) for record in result]


def _locked(tx: ManagedTransaction, kind: Kind, keys: list[str], model: type[_Record]) -> list[_Record]:
    found: list[_Record] = []
    for chunk in chunks(keys):
        result = tx.run(query("lock_workflow_records"), kind=kind, keys=list(chunk))
        found += [model.model_validate_json(record["doc"]) for record in result]
    return found
