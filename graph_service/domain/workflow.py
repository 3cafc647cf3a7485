"""The joint reward/punishment workflow's records: implementation tasks, disputes, repair applications.

Pure: the models and the rules that derive them (which tasks an entry creates, how tasks follow their
entry's status). State machines themselves live in :mod:`graph_service.domain.lifecycle`.

A task is one (measure, subject, implementing department) an effective entry reaches, per the catalog and
the propagation rules ("发起部门…推送至实施部门，实施部门…实施惩戒并反馈", 武汉市实施方案). Its id
is a hash of that identity, so creating an entry's tasks twice creates the same tasks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from graph_service.domain.lifecycle import (
    FEEDBACK_DAY_OF_MONTH,
    FeedbackOutcome,
    TaskStatus,
    feedback_deadline,
    is_expired,
    task_after_entry,
)
from graph_service.domain.measures import Catalog
from graph_service.domain.model import EntryStatus, ListEntry
from graph_service.domain.propagation import PersonalLink, reaches_of_self, reaches_via_link


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Feedback(_Frozen):
    """An implementing department's answer on one task (Zhongshan practice: tick it, or say why not)."""

    outcome: FeedbackOutcome
    on: dt.date = Field(description="Day the measure was applied (or the decision not to apply it)")
    note: str | None = Field(default=None, max_length=2000)
    reason: str | None = Field(default=None, max_length=2000)
    by: str = Field(min_length=1)

    @model_validator(mode="after")
    def _reason_when_not_applied(self) -> Feedback:
        if self.outcome is FeedbackOutcome.NOT_APPLIED and not self.reason:
            raise ValueError("reason: required when the outcome is not_applied (say why it was not applied)")
        return self


class Task(_Frozen):
    """One measure to be implemented by one department on one subject, because of one entry."""

    task_id: str
    entry_id: str
    measure_id: str
    subject_id: str
    via: str = Field(description="How the measure reaches the subject: self, a role, or responsible")
    department: str
    status: TaskStatus = TaskStatus.PENDING
    previous_status: TaskStatus | None = Field(
        default=None, description="The state before suspension, restored when the dispute ends"
    )
    created_on: dt.date
    due_on: dt.date = Field(description="Feedback deadline")
    feedback: Feedback | None = None
    version: int = Field(default=1, ge=1)

    def is_overdue(self, today: dt.date) -> bool:
        """Awaiting feedback after its deadline day (the deadline day itself is still in time)."""
        return self.status is TaskStatus.PENDING and today > self.due_on


class DisputeStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    CORRECTED = "corrected"
    REVOKED = "revoked"


class Dispute(_Frozen):
    """An objection (异议) to an entry; the entry is disputed until the initiating department resolves it."""

    dispute_id: str
    entry_id: str
    grounds: str = Field(min_length=1, max_length=4000)
    filed_by: str = Field(min_length=1, max_length=200)
    filed_on: dt.date
    due_on: dt.date = Field(description="Last day of verification (20 days: 安化县实施意见)")
    status: DisputeStatus = DisputeStatus.OPEN
    resolved_by: str | None = None
    resolved_on: dt.date | None = None
    resolution: str | None = Field(default=None, max_length=2000)

    def is_overdue(self, today: dt.date) -> bool:
        return self.status is DisputeStatus.OPEN and today > self.due_on


class RepairStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class RepairApplication(_Frozen):
    """An application for credit repair (信用修复), decided by the initiating department (谁认定、谁修复)."""

    repair_id: str
    entry_id: str
    evidence: str = Field(min_length=1, max_length=4000)
    applied_by: str = Field(min_length=1, max_length=200)
    applied_on: dt.date
    status: RepairStatus = RepairStatus.PENDING
    decided_by: str | None = None
    decided_on: dt.date | None = None
    reason: str | None = Field(default=None, max_length=2000)


class TaskFilter(_Frozen):
    """Which tasks to return: of one entry, one department, and/or some states (None = any)."""

    entry_id: str | None = None
    department: str | None = None
    statuses: frozenset[TaskStatus] | None = None

    def matches(self, task: Task) -> bool:
        return (
            (self.entry_id is None or task.entry_id == self.entry_id)
            and (self.department is None or task.department == self.department)
            and (self.statuses is None or task.status in self.statuses)
        )


def task_id_for(entry_id: str, measure_id: str, subject_id: str, department: str) -> str:
    """The id of a task: a hash of its identity, so re-deriving the tasks of an entry gives the same ids."""
    identity = "\x1f".join((entry_id, measure_id, subject_id, department))
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]


def tasks_for_entry(
    entry: ListEntry,
    links: Iterable[PersonalLink],
    catalog: Catalog,
    created_on: dt.date,
    *,
    day_of_month: int = FEEDBACK_DAY_OF_MONTH,
) -> list[Task]:
    """The tasks an entry creates: every (measure, subject) it reaches × the measure's departments.

    Reaches come from the propagation rules (the entity through ``self`` targets, linked persons through
    their roles or responsibility). Sorted by task id; an entry reaching nothing creates nothing.
    """
    reaches = reaches_of_self(entry, catalog)
    for link in links:
        reaches += reaches_via_link(entry, link, catalog)
    due_on = feedback_deadline(created_on, day_of_month)
    tasks: dict[str, Task] = {}
    for reach in reaches:
        for department in catalog.get(reach.measure_id).departments:
            task_id = task_id_for(entry.entry_id, reach.measure_id, reach.subject_id, department)
            tasks.setdefault(
                task_id,
                Task(
                    task_id=task_id,
                    entry_id=entry.entry_id,
                    measure_id=reach.measure_id,
                    subject_id=reach.subject_id,
                    via=reach.via,
                    department=department,
                    created_on=created_on,
                    due_on=due_on,
                ),
            )
    return [tasks[key] for key in sorted(tasks)]


def follow_entry(tasks: Iterable[Task], status: EntryStatus) -> list[Task]:
    """New versions of the tasks whose state changes because their entry is now ``status``.

    Suspended while disputed (the state before is kept and restored), lifted when repaired or revoked.
    Unchanged tasks are left out.
    """
    changed: list[Task] = []
    for task in tasks:
        after = task_after_entry(task.status, status, task.previous_status)
        if after is task.status:
            continue
        previous = task.status if after is TaskStatus.SUSPENDED else None
        changed.append(
            task.model_copy(
                update={"status": after, "previous_status": previous, "version": task.version + 1}
            )
        )
    return changed


def reconcile(stored: Iterable[Task], wanted: Iterable[Task], status: EntryStatus) -> list[Task]:
    """The task changes after an entry is corrected.

    Stored tasks follow ``status``; newly reached ones are created; those no longer reached are lifted.
    Sorted by task id; unchanged tasks are left out.
    """
    stored = list(stored)
    wanted_ids = {task.task_id for task in wanted}
    changed = {task.task_id: task for task in follow_entry(stored, status)}
    changed.update((task.task_id, task) for task in lift(t for t in stored if t.task_id not in wanted_ids))
    stored_ids = {task.task_id for task in stored}
    changed.update((task.task_id, task) for task in wanted if task.task_id not in stored_ids)
    return [changed[key] for key in sorted(changed)]


def lift(tasks: Iterable[Task]) -> list[Task]:
    """New versions of the tasks not yet lifted, now lifted (their entry expired or no longer reaches)."""
    return [
        task.model_copy(
            update={"status": TaskStatus.LIFTED, "previous_status": None, "version": task.version + 1}
        )
        for task in tasks
        if task.status is not TaskStatus.LIFTED
    ]


def shown_status(task: Task, entry: ListEntry | None, today: dt.date) -> TaskStatus:
    """The state to show: lifted once its entry has expired, even before ``expire`` has stored it."""
    if entry is not None and is_expired(entry.valid_until, today):
        return TaskStatus.LIFTED
    return task.status
