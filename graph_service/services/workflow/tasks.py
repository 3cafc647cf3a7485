"""Use cases of implementation tasks: pull, feedback, expiry, and overdue disputes.

Implementing departments pull their tasks (推送 — the pull half) and report back (反馈) by the deadline.
A task of an entry past its ``valid_until`` shows as lifted at once (lazy), and ``expire`` stores that.
Time is passed in; nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from pydantic import BaseModel, Field, ValidationError

from graph_service.domain.bounds import check_decision_day, check_safe_id
from graph_service.domain.lifecycle import (
    FeedbackOutcome,
    IllegalTransition,
    TaskStatus,
    is_expired,
    task_after_feedback,
)
from graph_service.domain.workflow import Dispute, Feedback, Task, TaskFilter, lift, shown_status
from graph_service.errors import Conflict, InvalidInput, NotFound
from graph_service.services.workflow.authority import Decider, require_own_task
from graph_service.services.workflow.outbox import pushes
from graph_service.services.workflow.state import Policy, conflict_of
from graph_service.services.workflow.steps import reinstate_after_expiry
from graph_service.store.base import GraphStore
from graph_service.store.workflow_port import EntryStep


class TaskView(BaseModel):
    """A task as a department sees it today: its shown state (lifted once expired) and whether overdue."""

    task: Task
    status: TaskStatus = Field(description="State shown today (lifted if the entry expired)")
    overdue: bool
    subject_name: str | None = Field(
        default=None, description="Name of the subject the measure is applied to (惩戒落实到人: whom)"
    )


class DisputeView(BaseModel):
    dispute: Dispute
    overdue: bool


def list_tasks(
    store: GraphStore,
    *,
    today: dt.date,
    department: str | None = None,
    status: TaskStatus | None = None,
    overdue: bool | None = None,
) -> list[TaskView]:
    """Tasks of a department (None = all), by shown state and overdue flag, sorted by task id."""
    tasks = store.get_tasks(TaskFilter(department=department))
    entries = store.get_entries(sorted({task.entry_id for task in tasks}))
    views: list[TaskView] = []
    for task in tasks:
        shown = shown_status(task, entries.get(task.entry_id), today)
        late = shown is TaskStatus.PENDING and task.is_overdue(today)
        if (status is None or shown is status) and (overdue is None or late is overdue):
            views.append(TaskView(task=task, status=shown, overdue=late))
    subjects = store.get_subjects(sorted({view.task.subject_id for view in views}))
    return [
        view.model_copy(update={"subject_name": found.name})
        if (found := subjects.get(view.task.subject_id)) is not None
        else view
        for view in views
    ]


def give_feedback(
    store: GraphStore,
    task_id: str,
    *,
    outcome: FeedbackOutcome,
    on: dt.date,
    note: str | None,
    reason: str | None,
    actor: str,
    today: dt.date,
    decider: Decider | None = None,
) -> Task:
    """Record (or revise) a department's feedback; ``Conflict`` listing the options when not allowed.

    Given ``decider``, only the task's own department (or an admin) may answer it.
    """
    task = store.get_task(check_safe_id("task_id", task_id))
    if task is None:
        raise NotFound(f"task {task_id!r} is not stored")
    if decider is not None:
        require_own_task(task, decider)
    check_decision_day("on", on, today=today)
    shown = shown_status(task, store.get_entries([task.entry_id]).get(task.entry_id), today)
    try:
        status = task_after_feedback(shown, outcome)
    except IllegalTransition as exc:
        raise conflict_of(exc) from exc
    try:
        feedback = Feedback(outcome=outcome, on=on, note=note, reason=reason, by=actor)
    except ValidationError as exc:
        raise InvalidInput.for_field("reason", reason, "required when the outcome is not_applied") from exc
    answered = task.model_copy(update={"status": status, "feedback": feedback, "version": task.version + 1})
    store.save_task_feedback(answered)
    return answered


@dataclass(frozen=True)
class ExpiryRun:
    """What one expiry run stored: entries whose tasks it lifted, how many tasks, and red entries
    reinstated because the black entry that suspended them expired."""

    entries: int
    tasks: int
    reinstated: int = 0


def expire(
    store: GraphStore,
    as_of: dt.date,
    *,
    push_to: frozenset[str] = frozenset(),
    now: dt.datetime | None = None,
    policy: Policy | None = None,
) -> ExpiryRun:
    """Lift, one entry per transaction, the tasks of entries whose validity ended before ``as_of``.

    Idempotent: a second run finds nothing left to lift. Entries keep their status (expiry is a date, not
    a decision; views flag them ``expired``). Lifted tasks of departments in ``push_to`` are pushed,
    stamped ``now`` (default: the start of ``as_of``, UTC). Red entries suspended by a black entry that
    has expired are reinstated (:func:`.steps.reinstate_after_expiry`, under ``policy``).
    """
    stamp = now or dt.datetime.combine(as_of, dt.time(), dt.UTC)
    open_states = frozenset(TaskStatus) - {TaskStatus.LIFTED}
    by_entry: dict[str, list[Task]] = defaultdict(list)
    for task in store.get_tasks(TaskFilter(statuses=open_states)):
        by_entry[task.entry_id].append(task)
    entries = store.get_entries(sorted(by_entry))
    lifted = touched = 0
    for entry_id, tasks in sorted(by_entry.items()):
        entry = entries.get(entry_id)
        if entry is not None and is_expired(entry.valid_until, as_of):
            changed = lift(tasks)
            try:
                store.write_step(EntryStep(tasks=changed, deliveries=pushes(tasks, changed, push_to, stamp)))
            except Conflict:
                continue  # a task changed meanwhile (feedback): the next run lifts it
            lifted += len(changed)
            touched += 1
    at = dt.datetime.combine(as_of, dt.time(), dt.UTC)
    reinstated = reinstate_after_expiry(store, now=at, policy=policy or Policy(push_to=push_to))
    return ExpiryRun(entries=touched, tasks=lifted, reinstated=reinstated)


def list_disputes(store: GraphStore, *, today: dt.date, overdue: bool | None = None) -> list[DisputeView]:
    """Disputes, each flagged overdue when still open after its verification deadline."""
    views = [DisputeView(dispute=d, overdue=d.is_overdue(today)) for d in store.get_disputes()]
    return [v for v in views if overdue is None or v.overdue is overdue]
