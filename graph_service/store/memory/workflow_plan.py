"""Planning of the workflow writes: read what a step needs, check it, then list the operations.

Each planner either raises (``NotFound``, ``InvalidInput``, ``Conflict``) or returns every operation of
one workflow step (or of several, :func:`plan_steps`), which the store journals and applies as one batch —
an entry's new status and its tasks are never half-written, whatever happens to the process in between.
The checks themselves are the port's (:meth:`EntryStep.require_against`, :mod:`graph_service.store.contract`);
here the state is read.
"""

from __future__ import annotations

import datetime as dt
from collections import ChainMap
from collections.abc import Callable, Sequence

from graph_service.domain.feed import pending_events
from graph_service.domain.model import ListEntry, Person
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.webhooks import Delivery
from graph_service.domain.workflow import Task
from graph_service.store import contract
from graph_service.store.contract import StoredEntry, StoredForStep
from graph_service.store.memory.feed_state import AppendFeed
from graph_service.store.memory.graph import GraphState
from graph_service.store.memory.ops import (
    AddStatus,
    DropLink,
    Op,
    PutDelivery,
    PutDispute,
    PutEntry,
    PutLink,
    PutRepair,
    PutTask,
)
from graph_service.store.memory.plan import _raise_missing, plan_entries, plan_links, plan_transition
from graph_service.store.workflow_port import EntryStep


class _Written:
    """What the earlier steps of one :func:`plan_steps` batch wrote, read before the state itself.

    Only what a step's planning reads and a step can change: entries, tasks, deliveries, the personal
    links of entries, and how many feed events the batch numbered. Subjects are never written by a step.
    """

    def __init__(self, state: GraphState) -> None:
        self.state = state
        self.entries: dict[str, ListEntry] = {}
        self.tasks: ChainMap[str, Task] = ChainMap({}, state.tasks)
        self.deliveries: ChainMap[str, Delivery] = ChainMap({}, state.deliveries)
        self.links: dict[str, dict[str, PersonalLink]] = {}  # entry id -> person id -> link
        self.events = 0

    def entry(self, entry_id: str) -> ListEntry | None:
        return self.entries.get(entry_id) or self.state.entries.get(entry_id)

    def links_of(self, entry_id: str) -> dict[str, PersonalLink]:
        if entry_id in self.links:
            return self.links[entry_id]
        return {link.person_id: link for link in self.state.links_of_entry(entry_id)}

    def absorb(self, ops: Sequence[Op]) -> None:
        for op in ops:
            if isinstance(op, PutEntry):
                self.entries[op.entry.entry_id] = op.entry
            elif isinstance(op, PutTask):
                self.tasks[op.task.task_id] = op.task
            elif isinstance(op, PutDelivery):
                self.deliveries[op.delivery.delivery_id] = op.delivery
            elif isinstance(op, PutLink):
                self._links_for_change(op.link.entry_id)[op.link.person_id] = op.link
            elif isinstance(op, DropLink):
                self._links_for_change(op.link.entry_id).pop(op.link.person_id, None)
            elif isinstance(op, AppendFeed):
                self.events += 1

    def _links_for_change(self, entry_id: str) -> dict[str, PersonalLink]:
        if entry_id not in self.links:
            self.links[entry_id] = self.links_of(entry_id)
        return self.links[entry_id]


def plan_step(state: GraphState, step: EntryStep, now: dt.datetime) -> list[Op]:
    """Every operation of one workflow step; see :meth:`WorkflowPort.write_step`."""
    return _plan(_Written(state), step, now)


def plan_steps(
    state: GraphState, steps: Sequence[EntryStep], now: dt.datetime, clock: Callable[[], dt.datetime]
) -> list[Op]:
    """Every operation of ``steps`` in order, each planned on the state the steps before it leave, with
    each step's feed events (as :meth:`MemoryStore._commit` adds them to one step); see
    :meth:`WorkflowPort.write_steps`. Raises as :func:`plan_step` for the first refused step."""
    written = _Written(state)
    ops: list[Op] = []
    for step in steps:
        step_ops = _plan(written, step, now)
        step_ops += _feed_events(written, step_ops, clock)
        written.absorb(step_ops)
        ops += step_ops
    return ops


def _plan(written: _Written, step: EntryStep, now: dt.datetime) -> list[Op]:
    state = written.state
    step.require_against(_stored_for(written, step))
    ops: list[Op] = []
    if step.creates and step.entry is not None:
        # Not stored and not written by an earlier step (require_against): the state alone decides.
        ops, _ = plan_entries(state, [step.entry], now)
        if step.change is not None:  # the step names who initiated it: that is the first record
            first = step.change
            ops = [AddStatus(first) if isinstance(op, AddStatus) else op for op in ops]
        # plan_links checks the entry is stored: the new entry's links are checked for persons only.
        ops += _links_for_new_entry(state, step)
    elif step.entry is not None and step.change is not None:
        ops += plan_transition(state, step.entry, step.change)
        if step.links is not None:
            entry_id = step.entry.entry_id
            if entry_id in written.entries or entry_id in written.links:
                ops += _replaced_links(written, entry_id, step.links)
            else:
                ops += plan_links(state, {entry_id: step.links})[0]
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


def _stored_for(written: _Written, step: EntryStep) -> StoredForStep:
    entry = written.entry(step.entry_id) if step.entry_id is not None else None
    return StoredForStep(
        entry=None if entry is None else StoredEntry(entry.version, entry.status),
        missing_entries={key for key in step.record_entry_ids if written.entry(key) is None},
        tasks=written.tasks,
        deliveries=written.deliveries,
    )


def _links_for_new_entry(state: GraphState, step: EntryStep) -> list[Op]:
    _require_persons(state, step.links or ())
    return [PutLink(link) for link in step.links or ()]


def _replaced_links(written: _Written, entry_id: str, links: Sequence[PersonalLink]) -> list[Op]:
    """:func:`plan_links` of one entry whose links an earlier step of the batch wrote (or created)."""
    _require_persons(written.state, links, "entries or persons")
    stored = written.links_of(entry_id)
    ops: list[Op] = [PutLink(link) for link in links if stored.get(link.person_id) != link]
    given = {link.person_id for link in links}
    return ops + [DropLink(stored[stale]) for stale in sorted(stored.keys() - given)]


def _require_persons(state: GraphState, links: Sequence[PersonalLink], what: str = "persons") -> None:
    missing = {
        link.person_id: "person_id" for link in links if not isinstance(state.subject(link.person_id), Person)
    }
    _raise_missing(what, missing)


def _feed_events(written: _Written, ops: list[Op], clock: Callable[[], dt.datetime]) -> list[Op]:
    """One step's feed events, numbered after the batch's earlier ones (:func:`.feed.with_feed_events`
    on the state the earlier steps leave)."""
    after = {op.entry.entry_id: op.entry for op in ops if isinstance(op, PutEntry)}
    if not after:
        return []
    changes = {op.change.entry_id: op.change for op in ops if isinstance(op, AddStatus)}
    before = {entry_id: entry for entry_id in after if (entry := written.entry(entry_id)) is not None}
    first = written.state.feed.head + written.events + 1
    return [
        AppendFeed(event.numbered(first + i))
        for i, event in enumerate(pending_events(before, after, changes, clock()))
    ]
