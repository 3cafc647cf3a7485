"""Reads of the embedded store for the workflow's listings: tasks, entry pages and the webhook outbox."""

from __future__ import annotations

from graph_service.domain.model import EntryFilter, ListEntry
from graph_service.domain.webhooks import Delivery, DeliveryStatus
from graph_service.domain.workflow import Task, TaskFilter
from graph_service.store.contract import entry_matches
from graph_service.store.memory.graph import GraphState


def tasks(state: GraphState, flt: TaskFilter) -> list[Task]:
    """The tasks ``flt`` matches, by id. The packed rows are narrowed on the filter's fields first (each
    test a necessary condition of :meth:`TaskFilter.matches`), so only candidates are built; the domain's
    rule then decides on the models."""
    table = state.tasks
    entry, department, status = (table.packer.index(name) for name in ("entry_id", "department", "status"))
    rows = [
        row
        for row in table.rows()
        if (flt.entry_id is None or row[entry] == flt.entry_id)
        and (flt.department is None or row[department] == flt.department)
        and (flt.statuses is None or row[status] in flt.statuses)
    ]
    found = [task for task in map(table.packer.unpack, rows) if flt.matches(task)]
    return sorted(found, key=lambda task: task.task_id)


def list_entries(
    state: GraphState, flt: EntryFilter | None, after: str | None, limit: int
) -> list[ListEntry]:
    """One page of entries by ``entry_id`` (see :meth:`WorkflowPort.list_entries`).

    Sorts every id on each call: O(n log n) in the entries held, which the embedded store's sizes allow.
    """
    page: list[ListEntry] = []
    for entry_id in sorted(state.entries):
        if len(page) >= limit:
            break
        if after is not None and entry_id <= after:
            continue
        entry = state.entries[entry_id]
        if flt is None or entry_matches(entry, flt):
            page.append(entry)
    return page


def deliveries(
    state: GraphState, statuses: frozenset[DeliveryStatus] | None, delivery_id: str | None
) -> list[Delivery]:
    found = [
        d
        for d in state.deliveries.values()
        if (statuses is None or d.status in statuses)
        and (delivery_id is None or d.delivery_id == delivery_id)
    ]
    return sorted(found, key=lambda d: d.delivery_id)
