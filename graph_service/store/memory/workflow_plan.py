"""Planning of the workflow writes (issue 6): validate against the state, then list the operations.

Each planner either raises (``NotFound``, ``InvalidInput``, ``Conflict``) or returns every operation of
one workflow step, which the store journals and applies as one batch — an entry's new status and its
tasks are never half-written, whatever happens to the process in between.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from graph_service.domain.model import ListEntry, Person, StatusChange
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.webhooks import Delivery
from graph_service.domain.workflow import Dispute, RepairApplication, Task
from graph_service.errors import Conflict, InvalidInput, NotFound
from graph_service.store.base import require_next_task_versions
from graph_service.store.memory.graph import GraphState
from graph_service.store.memory.ops import Op, PutDelivery, PutDispute, PutLink, PutRepair, PutTask
from graph_service.store.memory.plan import _raise_missing, plan_entries, plan_links, plan_transition
from graph_service.store.outbox import require_new_deliveries, require_next_delivery_version


def plan_create_entry(
    state: GraphState,
    entry: ListEntry,
    links: Sequence[PersonalLink],
    tasks: Sequence[Task],
    now: dt.datetime,
    deliveries: Sequence[Delivery] = (),
) -> list[Op]:
    """A new entry with its first status change, its links and its tasks; ``Conflict`` if it exists."""
    if entry.entry_id in state.entries:
        raise Conflict(f"entry {entry.entry_id!r} already exists; choose another entry_id")
    ops, _ = plan_entries(state, [entry], now)
    # plan_links checks the entry is stored: plan against a state that already holds the new entry.
    ops += _links_for_new_entry(state, entry, links)
    ops += _task_ops(state, entry.entry_id, tasks)
    require_new_deliveries(state.deliveries, deliveries)
    return ops + [PutDelivery(delivery) for delivery in deliveries]


def plan_entry_change(
    state: GraphState,
    entry: ListEntry | None,
    change: StatusChange | None,
    tasks: Sequence[Task],
    links: Sequence[PersonalLink] | None,
    dispute: Dispute | None,
    repair: RepairApplication | None,
    deliveries: Sequence[Delivery] = (),
) -> list[Op]:
    """Every operation of one workflow step; see :meth:`GraphStore.apply_entry_change`."""
    if (entry is None) != (change is None):
        raise InvalidInput.for_field("change", change, "an entry and its status change come together")
    ops: list[Op] = []
    if entry is not None and change is not None:
        ops += plan_transition(state, entry, change)
    for record in (dispute, repair, *deliveries):
        if record is not None and record.entry_id not in state.entries:
            raise NotFound(f"entry {record.entry_id!r} is not stored; nothing was written")
    for task in tasks:
        if task.entry_id not in state.entries:
            raise NotFound(f"entry {task.entry_id!r} of task {task.task_id!r} is not stored")
    require_next_task_versions(state.tasks, tasks)
    require_new_deliveries(state.deliveries, deliveries)
    ops += [PutTask(task) for task in tasks]
    if links is not None:
        if entry is None:
            raise InvalidInput.for_field(
                "links", len(links), "links are replaced only with a new entry version"
            )
        link_ops, _ = plan_links(state, {entry.entry_id: links})
        ops += link_ops
    if dispute is not None:
        ops.append(PutDispute(dispute))
    if repair is not None:
        ops.append(PutRepair(repair))
    return ops + [PutDelivery(delivery) for delivery in deliveries]


def plan_task_feedback(state: GraphState, task: Task) -> list[Op]:
    """A task's next version; ``NotFound`` if not stored, ``Conflict`` unless version is stored + 1."""
    if task.task_id not in state.tasks:
        raise NotFound(f"task {task.task_id!r} is not stored")
    require_next_task_versions(state.tasks, [task])
    return [PutTask(task)]


def plan_save_delivery(state: GraphState, delivery: Delivery) -> list[Op]:
    """A delivery's next version; ``NotFound`` if not stored, ``Conflict`` unless version is stored + 1."""
    require_next_delivery_version(state.deliveries.get(delivery.delivery_id), delivery)
    return [PutDelivery(delivery)]


def _links_for_new_entry(state: GraphState, entry: ListEntry, links: Sequence[PersonalLink]) -> list[Op]:
    missing: dict[str, str] = {}
    for i, link in enumerate(links):
        if link.entry_id != entry.entry_id:
            raise InvalidInput.for_field(
                f"links[{i}].entry_id", link.entry_id, f"must be the new entry's id {entry.entry_id!r}"
            )
        if not isinstance(state.subject(link.person_id), Person):
            missing.setdefault(link.person_id, "person_id")
    _raise_missing("persons", missing)
    return [PutLink(link) for link in links]


def _task_ops(state: GraphState, entry_id: str, tasks: Sequence[Task]) -> list[Op]:
    for task in tasks:
        if task.entry_id != entry_id:
            raise InvalidInput.for_field("tasks.entry_id", task.entry_id, f"must be {entry_id!r}")
    require_next_task_versions(state.tasks, tasks)
    return [PutTask(task) for task in tasks]
