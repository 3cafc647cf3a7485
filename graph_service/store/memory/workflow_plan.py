"""Planning of the workflow writes: read what a step needs, check it, then list the operations.

Each planner either raises (``NotFound``, ``InvalidInput``, ``Conflict``) or returns every operation of
one workflow step, which the store journals and applies as one batch — an entry's new status and its
tasks are never half-written, whatever happens to the process in between. The checks themselves are the
port's (:meth:`EntryStep.require_against`, :mod:`graph_service.store.contract`); here the state is read.
"""

from __future__ import annotations

import datetime as dt

from graph_service.domain.model import Person
from graph_service.domain.webhooks import Delivery
from graph_service.domain.workflow import Task
from graph_service.store import contract
from graph_service.store.contract import StoredEntry, StoredForStep
from graph_service.store.memory.graph import GraphState
from graph_service.store.memory.ops import AddStatus, Op, PutDelivery, PutDispute, PutLink, PutRepair, PutTask
from graph_service.store.memory.plan import _raise_missing, plan_entries, plan_links, plan_transition
from graph_service.store.workflow_port import EntryStep


def plan_step(state: GraphState, step: EntryStep, now: dt.datetime) -> list[Op]:
    """Every operation of one workflow step; see :meth:`WorkflowPort.write_step`."""
    step.require_against(_stored_for(state, step))
    ops: list[Op] = []
    if step.creates and step.entry is not None:
        ops, _ = plan_entries(state, [step.entry], now)
        if step.change is not None:  # the step names who initiated it: that is the first record
            first = step.change
            ops = [AddStatus(first) if isinstance(op, AddStatus) else op for op in ops]
        # plan_links checks the entry is stored: the new entry's links are checked for persons only.
        ops += _links_for_new_entry(state, step)
    elif step.entry is not None and step.change is not None:
        ops += plan_transition(state, step.entry, step.change)
        if step.links is not None:
            ops += plan_links(state, {step.entry.entry_id: step.links})[0]
    ops += [PutTask(task) for task in step.tasks]
    if step.dispute is not None:
        ops.append(PutDispute(step.dispute))
    if step.repair is not None:
        ops.append(PutRepair(step.repair))
    return ops + [PutDelivery(delivery) for delivery in step.deliveries]


def plan_task_feedback(state: GraphState, task: Task) -> list[Op]:
    """A task's next version; ``NotFound`` if not stored, ``Conflict`` unless version is stored + 1."""
    contract.require_stored_task(task.task_id, state.tasks.get(task.task_id))
    contract.require_next_task_versions(state.tasks, [task])
    return [PutTask(task)]


def plan_save_delivery(state: GraphState, delivery: Delivery) -> list[Op]:
    """A delivery's next version; ``NotFound`` if not stored, ``Conflict`` unless version is stored + 1."""
    contract.require_next_delivery_version(state.deliveries.get(delivery.delivery_id), delivery)
    return [PutDelivery(delivery)]


def _stored_for(state: GraphState, step: EntryStep) -> StoredForStep:
    entry = state.entries.get(step.entry_id) if step.entry_id is not None else None
    return StoredForStep(
        entry=None if entry is None else StoredEntry(entry.version, entry.status),
        missing_entries={key for key in step.record_entry_ids if key not in state.entries},
        tasks=state.tasks,
        deliveries=state.deliveries,
    )


def _links_for_new_entry(state: GraphState, step: EntryStep) -> list[Op]:
    missing = {
        link.person_id: "person_id"
        for link in step.links or ()
        if not isinstance(state.subject(link.person_id), Person)
    }
    _raise_missing("persons", missing)
    return [PutLink(link) for link in step.links or ()]
