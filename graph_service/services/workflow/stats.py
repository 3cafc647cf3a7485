"""Statistics of the workflow for a period: "跟踪、监测、统计、评估" (安化县实施意见 (三); 云浮市实施方案
(三十一)), and the monthly feedback the credit office collects ("每月22日前…反馈至市信用办", 武汉市实施方案).

Every count is over records dated inside ``[start, end]`` (both days included):

=====================  ==================================================================================
entries.initiated      entries decided (``decided_on``) in the period, by list and by domain
tasks.pushed           tasks created in the period
tasks.received         of those, the ones with feedback (any outcome), also by outcome
tasks.expected         of those, the ones feedback is owed on: answered, or still pending (tasks
                       suspended or lifted before an answer are owed nothing)
tasks.rate             received / expected (null when nothing is expected)
tasks.overdue          tasks due (``due_on``) in the period still awaiting feedback after it on ``as_of``
disputes.opened        disputes filed in the period; ``resolved`` (by outcome) resolved in it;
                       ``overdue`` due in the period and still open after it on ``as_of``
repairs                applications filed in the period; ``approved`` / ``rejected`` decided in it
=====================  ==================================================================================

``dept`` narrows entries (and their disputes and repairs) to the initiating department and tasks to the
implementing one; ``region`` (a 6-digit code: county, city or province) to entries whose region —
``source_region``, else the subject's registered region — lies within it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, Field

from graph_service.domain.lifecycle import TaskStatus
from graph_service.domain.model import ListEntry
from graph_service.domain.regions import region_chain
from graph_service.domain.workflow import DisputeStatus, RepairStatus, Task, TaskFilter, shown_status
from graph_service.errors import InvalidInput
from graph_service.store.base import GraphStore

_PAGE = 1000


@dataclass(frozen=True)
class StatsQuery:
    start: dt.date
    end: dt.date
    as_of: dt.date
    dept: str | None = None
    region: str | None = None


class EntryStats(BaseModel):
    initiated: int
    by_list: dict[str, int]
    by_domain: dict[str, int]


class FeedbackStats(BaseModel):
    pushed: int
    received: int
    expected: int
    rate: float | None = Field(description="received / expected, 4 decimals; null if nothing expected")
    overdue: int


class TaskStats(FeedbackStats):
    by_outcome: dict[str, int]


class DepartmentStats(FeedbackStats):
    department: str


class DisputeStats(BaseModel):
    opened: int
    resolved: int
    by_outcome: dict[str, int]
    overdue: int


class RepairStats(BaseModel):
    applied: int
    approved: int
    rejected: int


class Stats(BaseModel):
    start: dt.date
    end: dt.date
    as_of: dt.date
    dept: str | None
    region: str | None
    entries: EntryStats
    tasks: TaskStats
    departments: list[DepartmentStats] = Field(description="Per implementing department, by name")
    disputes: DisputeStats
    repairs: RepairStats


def compute_stats(store: GraphStore, query: StatsQuery) -> Stats:
    """The statistics of ``query``'s period (see the module docstring for what each number counts)."""
    if query.end < query.start:
        raise InvalidInput.for_field("to", query.end.isoformat(), f"must not be before from {query.start}")
    entries = {e.entry_id: e for e in _in_region(store, _all_entries(store), query.region)}
    mine = {i: e for i, e in entries.items() if query.dept is None or e.initiating_dept == query.dept}
    tasks = [
        t
        for t in store.get_tasks(TaskFilter(department=query.dept))
        if t.entry_id in entries  # region scope
    ]
    decided = [e for e in mine.values() if _within(e.decided_on, query)]
    disputes = [d for d in store.get_disputes() if d.entry_id in mine]
    repairs = [r for r in store.get_repairs() if r.entry_id in mine]
    resolved = [d for d in disputes if d.status is not DisputeStatus.OPEN and _within(d.resolved_on, query)]
    decided_repairs = [r for r in repairs if _within(r.decided_on, query)]
    by_department: dict[str, list[Task]] = {}
    for task in tasks:
        by_department.setdefault(task.department, []).append(task)
    return Stats(
        start=query.start,
        end=query.end,
        as_of=query.as_of,
        dept=query.dept,
        region=query.region,
        entries=EntryStats(
            initiated=len(decided),
            by_list=dict(sorted(Counter(e.list.value for e in decided).items())),
            by_domain=dict(sorted(Counter(e.domain.value for e in decided).items())),
        ),
        tasks=TaskStats(
            **_feedback(tasks, entries, query).model_dump(),
            by_outcome=dict(
                sorted(
                    Counter(
                        t.feedback.outcome.value
                        for t in tasks
                        if t.feedback is not None and _within(t.created_on, query)
                    ).items()
                )
            ),
        ),
        departments=[
            DepartmentStats(department=name, **_feedback(group, entries, query).model_dump())
            for name, group in sorted(by_department.items())
        ],
        disputes=DisputeStats(
            opened=sum(_within(d.filed_on, query) for d in disputes),
            resolved=len(resolved),
            by_outcome=dict(sorted(Counter(d.status.value for d in resolved).items())),
            overdue=sum(_within(d.due_on, query) and d.is_overdue(query.as_of) for d in disputes),
        ),
        repairs=RepairStats(
            applied=sum(_within(r.applied_on, query) for r in repairs),
            approved=sum(r.status is RepairStatus.APPROVED for r in decided_repairs),
            rejected=sum(r.status is RepairStatus.REJECTED for r in decided_repairs),
        ),
    )


def _feedback(tasks: list[Task], entries: dict[str, ListEntry], query: StatsQuery) -> FeedbackStats:
    pushed = [t for t in tasks if _within(t.created_on, query)]
    shown = {t.task_id: shown_status(t, entries.get(t.entry_id), query.as_of) for t in tasks}
    received = sum(t.feedback is not None for t in pushed)
    expected = sum(t.feedback is not None or shown[t.task_id] is TaskStatus.PENDING for t in pushed)
    overdue = sum(
        _within(t.due_on, query) and shown[t.task_id] is TaskStatus.PENDING and t.is_overdue(query.as_of)
        for t in tasks
    )
    return FeedbackStats(
        pushed=len(pushed),
        received=received,
        expected=expected,
        rate=round(received / expected, 4) if expected else None,
        overdue=overdue,
    )


def _within(day: dt.date | None, query: StatsQuery) -> bool:
    return day is not None and query.start <= day <= query.end


def _all_entries(store: GraphStore) -> list[ListEntry]:
    """Every stored entry, a page at a time."""
    found: list[ListEntry] = []
    after: str | None = None
    while True:
        page = store.list_entries(None, after=after, limit=_PAGE)
        found += page
        if len(page) < _PAGE:
            return found
        after = page[-1].entry_id


def _in_region(store: GraphStore, entries: Iterable[ListEntry], region: str | None) -> list[ListEntry]:
    """Entries whose region (``source_region``, else the subject's) lies within ``region``."""
    entries = list(entries)
    if region is None:
        return entries
    unknown = sorted({e.subject_id for e in entries if e.source_region is None})
    subjects = store.get_subjects(unknown) if unknown else {}
    kept: list[ListEntry] = []
    for entry in entries:
        subject = subjects.get(entry.subject_id)
        code = entry.source_region or (subject.region if subject is not None else None)
        if code is not None and region in region_chain(code):
            kept.append(entry)
    return kept
