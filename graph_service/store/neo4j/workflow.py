"""Transaction functions of the workflow: steps, tasks, disputes, repair applications, webhook outbox.

Records are ``:WorkflowRecord`` nodes keyed by ``(kind, key)`` holding the validated model as JSON in
``doc`` (copies of ``entry_id``, ``department``, ``status`` and ``version`` are kept for filtering). Each
function is one managed transaction; it reads what the checks need, runs the port's checks
(:mod:`graph_service.store.contract`) and only then writes, so a refused request leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal, TypeVar

from neo4j import ManagedTransaction

from cypher import query
from graph_service.domain.model import EntryFilter, EntryStatus, ListEntry
from graph_service.domain.webhooks import Delivery, DeliveryStatus
from graph_service.domain.workflow import Dispute, RepairApplication, Task, TaskFilter
from graph_service.store import contract
from graph_service.store.contract import StoredEntry, StoredForStep
from graph_service.store.neo4j import lifecycle, links, writes
from graph_service.store.neo4j.batches import chunks
from graph_service.store.neo4j.mapping import Props, entry_from
from graph_service.store.workflow_port import EntryStep

Kind = Literal["task", "dispute", "repair", "delivery"]
_Record = TypeVar("_Record", Task, Dispute, RepairApplication, Delivery)


def write_step(tx: ManagedTransaction, step: EntryStep, now: dt.datetime) -> None:
    """One workflow step: see :meth:`WorkflowPort.write_step`. Everything is read and checked first."""
    step.require_against(_stored_for(tx, step))
    entry = step.entry
    if entry is not None and step.creates:
        first = {entry.entry_id: step.change} if step.change is not None else None
        writes.upsert_entries(tx, [entry], now, first=first)
        links.replace_links(tx, {entry.entry_id: step.links or ()})
    elif entry is not None and step.change is not None:
        lifecycle.transition_entry(tx, entry, step.change)
        if step.links is not None:
            links.replace_links(tx, {entry.entry_id: step.links})
    rows = [_row("task", t.task_id, t, t.department, t.status, t.version) for t in step.tasks]
    if step.dispute is not None:
        rows.append(_row("dispute", step.dispute.dispute_id, step.dispute, None, step.dispute.status, 1))
    if step.repair is not None:
        rows.append(_row("repair", step.repair.repair_id, step.repair, None, step.repair.status, 1))
    _put(tx, rows + [_delivery_row(d) for d in step.deliveries])
    writes.bump_data_version(tx)


def write_steps(tx: ManagedTransaction, steps: Sequence[EntryStep], now: dt.datetime) -> None:
    """Workflow steps in order in one transaction: see :meth:`WorkflowPort.write_steps`. Each step reads
    and checks what the transaction's earlier steps wrote; a refused one rolls back the whole transaction."""
    for step in steps:
        write_step(tx, step, now)


def save_task_feedback(tx: ManagedTransaction, task: Task) -> None:
    """A task's next version (optimistic version check under the record's write lock)."""
    stored = {t.task_id: t for t in _locked(tx, "task", [task.task_id], Task)}
    contract.require_stored_task(task.task_id, stored.get(task.task_id))
    contract.require_next_task_versions(stored, [task])
    _put(tx, [_row("task", task.task_id, task, task.department, task.status, task.version)])
    writes.bump_data_version(tx)


def save_delivery(tx: ManagedTransaction, delivery: Delivery) -> None:
    """A delivery's next version (optimistic version check under the record's write lock)."""
    stored = _locked(tx, "delivery", [delivery.delivery_id], Delivery)
    contract.require_next_delivery_version(stored[0] if stored else None, delivery)
    _put(tx, [_delivery_row(delivery)])
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


def _stored_for(tx: ManagedTransaction, step: EntryStep) -> StoredForStep:
    """What :meth:`EntryStep.require_against` needs, read under write locks (the entry, tasks, deliveries)."""
    entry = None
    if step.entry_id is not None:
        record = tx.run(query("lock_entry"), entry_id=step.entry_id).single()
        if record is not None:
            entry = StoredEntry(int(record["version"]), EntryStatus(record["status"]))
    tasks = _locked(tx, "task", [t.task_id for t in step.tasks], Task)
    deliveries = _locked(tx, "delivery", [d.delivery_id for d in step.deliveries], Delivery)
    return StoredForStep(
        entry=entry,
        missing_entries=writes.missing_keys(tx, "find_missing_entries", step.record_entry_ids),
        tasks={t.task_id: t for t in tasks},
        deliveries={d.delivery_id: d for d in deliveries},
    )


def record_row(record: Task | Dispute | RepairApplication | Delivery) -> Props:
    """The ``WorkflowRecord`` node properties of one record, as ``put_workflow_records`` stores them (the
    bulk import writes the same nodes)."""
    if isinstance(record, Task):
        return _row("task", record.task_id, record, record.department, record.status, record.version)
    if isinstance(record, Dispute):
        return _row("dispute", record.dispute_id, record, None, record.status, 1)
    if isinstance(record, RepairApplication):
        return _row("repair", record.repair_id, record, None, record.status, 1)
    return _delivery_row(record)


def _delivery_row(delivery: Delivery) -> Props:
    return _row(
        "delivery", delivery.delivery_id, delivery, delivery.department, delivery.status, delivery.version
    )


def _locked(tx: ManagedTransaction, kind: Kind, keys: list[str], model: type[_Record]) -> list[_Record]:
    found: list[_Record] = []
    for chunk in chunks(keys):
        result = tx.run(query("lock_workflow_records"), kind=kind, keys=list(chunk))
        found += [model.model_validate_json(record["doc"]) for record in result]
    return found


def _row(
    kind: Kind,
    key: str,
    record: Task | Dispute | RepairApplication | Delivery,
    department: str | None,
    status: str,
    version: int,
) -> Props:
    return {
        "kind": kind,
        "key": key,
        "entry_id": record.entry_id,
        "department": department,
        "status": str(status),
        "version": version,
        "doc": record.model_dump_json(),
    }


def _put(tx: ManagedTransaction, rows: list[Props]) -> None:
    for chunk in chunks(rows):
        tx.run(query("put_workflow_records"), rows=list(chunk)).consume()
