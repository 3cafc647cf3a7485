"""Transaction functions of the workflow (issue 6): tasks, disputes, repair applications, webhook outbox.

Records are ``:WorkflowRecord`` nodes keyed by ``(kind, key)`` holding the validated model as JSON in
``doc`` (copies of ``entry_id``, ``department``, ``status`` and ``version`` are kept for filtering). Each
function is one managed transaction; every check runs before the first write, in the order of the embedded
store's planner, so both backends refuse the same requests with the same kind of error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal, TypeVar

from neo4j import ManagedTransaction

from cypher import query
from graph_service.domain.model import EntryFilter, ListEntry, StatusChange
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.webhooks import Delivery, DeliveryStatus
from graph_service.domain.workflow import Dispute, RepairApplication, Task, TaskFilter
from graph_service.errors import Conflict, InvalidInput, NotFound
from graph_service.store.base import require_next_task_versions
from graph_service.store.neo4j import lifecycle, links, writes
from graph_service.store.neo4j.batches import chunks
from graph_service.store.neo4j.mapping import Props, entry_from
from graph_service.store.outbox import require_new_deliveries, require_next_delivery_version

Kind = Literal["task", "dispute", "repair", "delivery"]
_Record = TypeVar("_Record", Task, Dispute, RepairApplication, Delivery)


def create_entry(
    tx: ManagedTransaction,
    entry: ListEntry,
    entry_links: Sequence[PersonalLink],
    tasks: Sequence[Task],
    now: dt.datetime,
    deliveries: Sequence[Delivery] = (),
) -> None:
    """A new entry (first status change included), its personal links, its tasks and their pushes."""
    if not writes.missing_keys(tx, "find_missing_entries", [entry.entry_id]):
        raise Conflict(f"entry {entry.entry_id!r} already exists; choose another entry_id")
    for task in tasks:
        if task.entry_id != entry.entry_id:
            raise InvalidInput.for_field("tasks.entry_id", task.entry_id, f"must be {entry.entry_id!r}")
    writes.require_entry_links(tx, [entry])
    _require_versions(tx, tasks)
    _require_new(tx, deliveries)
    writes.upsert_entries(tx, [entry], now)
    links.replace_links(tx, {entry.entry_id: entry_links})
    _put(tx, [_row("task", t.task_id, t, t.department, t.status, t.version) for t in tasks])
    _put(tx, [_delivery_row(d) for d in deliveries])
    writes.bump_data_version(tx)


def apply_entry_change(
    tx: ManagedTransaction,
    entry: ListEntry | None,
    change: StatusChange | None,
    tasks: Sequence[Task],
    entry_links: Sequence[PersonalLink] | None,
    dispute: Dispute | None,
    repair: RepairApplication | None,
    deliveries: Sequence[Delivery] = (),
) -> None:
    """One workflow step: see :meth:`GraphStore.apply_entry_change`."""
    if (entry is None) != (change is None):
        raise InvalidInput.for_field("change", change, "an entry and its status change come together")
    if entry_links is not None and entry is None:
        raise InvalidInput.for_field(
            "links", len(entry_links), "links are replaced only with a new entry version"
        )
    named = [r.entry_id for r in (dispute, repair, *deliveries) if r is not None]
    named += [t.entry_id for t in tasks]
    missing = writes.missing_keys(tx, "find_missing_entries", list(dict.fromkeys(named)))
    if missing:
        raise NotFound(f"entries not stored: {', '.join(sorted(missing))}; nothing was written")
    _require_versions(tx, tasks)
    _require_new(tx, deliveries)
    if entry is not None and change is not None:
        lifecycle.transition_entry(tx, entry, change)  # checks the version before writing anything
    if entry is not None and entry_links is not None:
        links.replace_links(tx, {entry.entry_id: entry_links})
    rows = [_row("task", t.task_id, t, t.department, t.status, t.version) for t in tasks]
    if dispute is not None:
        rows.append(_row("dispute", dispute.dispute_id, dispute, None, dispute.status, 1))
    if repair is not None:
        rows.append(_row("repair", repair.repair_id, repair, None, repair.status, 1))
    _put(tx, rows + [_delivery_row(d) for d in deliveries])
    writes.bump_data_version(tx)


def save_task_feedback(tx: ManagedTransaction, task: Task) -> None:
    """A task's next version (optimistic version check)."""
    if not _locked(tx, "task", [task.task_id], Task):
        raise NotFound(f"task {task.task_id!r} is not stored")
    _require_versions(tx, [task])
    _put(tx, [_row("task", task.task_id, task, task.department, task.status, task.version)])
    writes.bump_data_version(tx)


def save_delivery(tx: ManagedTransaction, delivery: Delivery) -> None:
    """A delivery's next version (optimistic version check under the record's write lock)."""
    stored = _locked(tx, "delivery", [delivery.delivery_id], Delivery)
    require_next_delivery_version(stored[0] if stored else None, delivery)
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
    """One page of entries (see :meth:`GraphStore.list_entries`)."""
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


def _require_versions(tx: ManagedTransaction, tasks: Sequence[Task]) -> None:
    stored = _locked(tx, "task", [t.task_id for t in tasks], Task)
    require_next_task_versions({t.task_id: t for t in stored}, tasks)


def _require_new(tx: ManagedTransaction, new: Sequence[Delivery]) -> None:
    stored = _locked(tx, "delivery", [d.delivery_id for d in new], Delivery)
    require_new_deliveries({d.delivery_id: d for d in stored}, new)


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
