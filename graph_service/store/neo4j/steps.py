"""Workflow steps written a run at a time: one read and one statement per kind of write for many steps.

:meth:`WorkflowPort.write_steps` checks each step against the state the steps before it leave. Written
one by one, a step cost about nine round trips (lock the entry, its records, find missing entries,
subjects and persons, read the entry before, upsert it, its feed event, its links, its records), and a
load of list entries is hundreds of steps. Here the steps are cut into *runs* in which no step touches
what an earlier step of the run writes (its entry, the entries its records belong to, its tasks,
deliveries, dispute or repair), so every step of a run sees exactly what the run's one read returns
(``lock_step_state``, under the same write locks). Each step is checked in order, with the same checks
and messages as before, and only when the whole run passes is it written: entries, status changes,
feed events, personal links and workflow records with one ``UNWIND`` statement each. A refused step
raises before its run writes anything, and the managed transaction rolls back the runs before it, as
it did when each step wrote as it went. The stored result, feed numbering included, is the same: the
events of a run are appended in the order of its steps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from neo4j import ManagedTransaction

from cypher import query
from graph_service.domain.feed import PendingEvent, pending_events
from graph_service.domain.model import ListEntry, StatusChange
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.webhooks import Delivery
from graph_service.domain.workflow import Task
from graph_service.store.contract import StoredEntry, StoredForStep
from graph_service.store.neo4j import links, mapping
from graph_service.store.neo4j.batches import Folded, chunks
from graph_service.store.neo4j.feed_record import append
from graph_service.store.neo4j.mapping import Props
from graph_service.store.neo4j.workflow_rows import record_row
from graph_service.store.neo4j.writes import bump_data_version, entry_payload, raise_missing, run_upsert
from graph_service.store.workflow_port import EntryStep

#: Steps per run at most: bounds the lists of the run's one read (a load sends 500 steps a call).
STEPS_PER_RUN = 1_000


def write_steps(tx: ManagedTransaction, steps: Sequence[EntryStep], now: dt.datetime) -> None:
    """Check and write ``steps`` in order (see the module docstring); ``now`` stamps new entries."""
    for run in runs(steps):
        state = _read(tx, run)
        for step in run:
            _check(step, state)
        _write(tx, run, state, now)
    if steps:
        bump_data_version(tx)


def runs(steps: Sequence[EntryStep], limit: int = STEPS_PER_RUN) -> Iterator[list[EntryStep]]:
    """``steps`` cut, in order, before each step that reads or writes what an earlier one of its run
    writes, and every ``limit`` steps."""
    run: list[EntryStep] = []
    written: set[tuple[str, str]] = set()
    for step in steps:
        if len(run) >= limit or not written.isdisjoint(_touched(step)):
            yield run
            run, written = [], set()
        run.append(step)
        written.update(_writes(step))
    if run:
        yield run


def _writes(step: EntryStep) -> list[tuple[str, str]]:
    """The stored things ``step`` writes (an entry's links go with its entry)."""
    keys = [("task", task.task_id) for task in step.tasks]
    keys += [("delivery", delivery.delivery_id) for delivery in step.deliveries]
    if step.entry_id is not None:
        keys.append(("entry", step.entry_id))
    if step.dispute is not None:
        keys.append(("dispute", step.dispute.dispute_id))
    if step.repair is not None:
        keys.append(("repair", step.repair.repair_id))
    return keys


def _touched(step: EntryStep) -> list[tuple[str, str]]:
    """What ``step`` reads or writes of the stored state (what it writes, and its records' entries)."""
    return _writes(step) + [("entry", entry_id) for entry_id in step.record_entry_ids]


@dataclass
class _State:
    """What one read found for a run: stored entries, tasks, deliveries, and the keys not stored."""

    entries: dict[str, ListEntry] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    missing_entries: set[str] = field(default_factory=set)
    missing_subjects: set[str] = field(default_factory=set)
    missing_persons: set[str] = field(default_factory=set)


def _read(tx: ManagedTransaction, run: Sequence[EntryStep]) -> _State:
    entry_ids = _distinct(step.entry_id for step in run if step.entry_id is not None)
    records = [{"kind": "task", "key": task.task_id} for step in run for task in step.tasks]
    records += [{"kind": "delivery", "key": d.delivery_id} for step in run for d in step.deliveries]
    record_entry_ids = _distinct(entry_id for step in run for entry_id in step.record_entry_ids)
    subject_keys = _distinct(key for step in run for key in _entry_subjects(step))
    person_keys = _distinct(link.person_id for step in run for link in _replaced_links(step) or ())
    record = tx.run(
        query("lock_step_state"),
        entry_ids=entry_ids,
        records=records,
        record_entry_ids=record_entry_ids,
        subject_keys=subject_keys,
        person_keys=person_keys,
    ).single(strict=True)
    state = _State(
        entries={e.entry_id: e for e in map(mapping.entry_from, record["entries"])},
        missing_entries=set(record["missing_entries"]),
        missing_subjects=set(record["missing_subjects"]),
        missing_persons=set(record["missing_persons"]),
    )
    for found in record["records"]:
        if found["kind"] == "task":
            task = Task.model_validate_json(found["doc"])
            state.tasks[task.task_id] = task
        else:
            delivery = Delivery.model_validate_json(found["doc"])
            state.deliveries[delivery.delivery_id] = delivery
    return state


def _check(step: EntryStep, state: _State) -> None:
    """The checks a step written by itself went through, in the same order, with the same errors."""
    stored = state.entries.get(step.entry_id) if step.entry_id is not None else None
    step.require_against(
        StoredForStep(
            entry=None if stored is None else StoredEntry(stored.version, stored.status),
            missing_entries={e for e in step.record_entry_ids if e in state.missing_entries},
            tasks={t.task_id: state.tasks[t.task_id] for t in step.tasks if t.task_id in state.tasks},
            deliveries={
                d.delivery_id: state.deliveries[d.delivery_id]
                for d in step.deliveries
                if d.delivery_id in state.deliveries
            },
        )
    )
    entry = step.entry
    if entry is None or (not step.creates and step.change is None):
        return
    wanted = {entry.subject_id: "subject_id"}
    for person in entry.responsible_person_ids:
        wanted.setdefault(person, "responsible_person_ids")
    raise_missing(wanted, state.missing_subjects & wanted.keys(), "entry subjects or responsible persons")
    replaced = _replaced_links(step)
    if replaced is not None:
        # The entry is stored (a change) or written just before its links (a creation).
        ends = {entry.entry_id: "entry_id"}
        for link in replaced:
            ends.setdefault(link.person_id, "person_id")
        raise_missing(ends, state.missing_persons & ends.keys(), "entries or persons")


def _write(tx: ManagedTransaction, run: Sequence[EntryStep], state: _State, now: dt.datetime) -> None:
    payload: list[Props] = []
    changes: list[Props] = []
    events: list[PendingEvent] = []
    replaced: dict[str, Sequence[PersonalLink]] = {}
    new_entries: set[str] = set()
    rows: list[Props] = []
    for step in run:
        entry = step.entry
        if entry is not None and step.creates:
            first = {entry.entry_id: step.change} if step.change is not None else None
            payload += entry_payload([Folded(entry, entry)], first)
            events += _events(None, entry, step.change or _first_change(entry, now), now)
            new_entries.add(entry.entry_id)
        elif entry is not None and step.change is not None:
            payload += entry_payload([Folded(entry, entry)])
            changes.append({"entry_id": entry.entry_id, "change": mapping.change_props(step.change)})
            events += _events(state.entries.get(entry.entry_id), entry, step.change, step.change.at)
        links_of_step = _replaced_links(step)
        if entry is not None and links_of_step is not None:
            replaced[entry.entry_id] = links_of_step
        rows += [record_row(r) for r in (*step.tasks, step.dispute, step.repair) if r is not None]
        rows += [record_row(delivery) for delivery in step.deliveries]
    if payload:
        run_upsert(tx, "upsert_entries", payload, now=now)
    for chunk in chunks(changes):
        tx.run(query("append_status_changes"), rows=list(chunk)).consume()
    append(tx, events)
    if replaced:
        # A new entry's node is new: no link to it can be stale.
        links.write_links(tx, replaced, stale_of=[e for e in replaced if e not in new_entries])
    put_records(tx, rows)


def put_records(tx: ManagedTransaction, rows: Sequence[Props]) -> None:
    """Create or replace workflow records (:func:`.workflow_rows.record_row`); a run's last write."""
    for chunk in chunks(rows):
        tx.run(query("put_workflow_records"), rows=list(chunk)).consume()


def _events(
    before: ListEntry | None, entry: ListEntry, change: StatusChange, at: dt.datetime
) -> list[PendingEvent]:
    """The feed events of one entry's write, as :func:`.feed_record.recorded` makes them."""
    stored = {} if before is None else {entry.entry_id: before}
    return pending_events(stored, {entry.entry_id: entry}, {entry.entry_id: change}, at)


def _first_change(entry: ListEntry, now: dt.datetime) -> StatusChange:
    """A new entry's first status change when its step names none (the store's first history record)."""
    return StatusChange(
        entry_id=entry.entry_id,
        from_status=None,
        to_status=entry.status,
        at=now,
        actor=entry.initiating_dept,
    )


def _entry_subjects(step: EntryStep) -> list[str]:
    """The subject and responsible persons of the entry ``step`` writes (checked stored), if any."""
    entry = step.entry
    if entry is None or (not step.creates and step.change is None):
        return []
    return [entry.subject_id, *entry.responsible_person_ids]


def _replaced_links(step: EntryStep) -> Sequence[PersonalLink] | None:
    """The links ``step`` makes its entry's links (a new entry's default to none), None to keep them."""
    if step.entry is None:
        return None
    if step.creates:
        return step.links or ()
    return step.links if step.change is not None else None


def _distinct(values: Iterator[str] | Sequence[str]) -> list[str]:
    return list(dict.fromkeys(values))
