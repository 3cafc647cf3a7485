"""``/v1/tasks``: implementing departments pull their tasks and report back (推送 pull half, 反馈)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.auth import Caller
from api.clock import TodayDep
from api.deps import AuditDep, StoreDep, require_roles
from api.errors import PROBLEM_RESPONSES
from api.responses import respond
from graph_service.domain.lifecycle import FeedbackOutcome, TaskStatus
from graph_service.domain.workflow import Task
from graph_service.services.workflow import tasks as task_service

router = APIRouter(prefix="/v1/tasks", tags=["tasks"], responses=PROBLEM_RESPONSES)
Implementer = Annotated[Caller, Depends(require_roles("implementer"))]


class TaskList(BaseModel):
    tasks: list[task_service.TaskView]


class FeedbackRequest(BaseModel):
    outcome: FeedbackOutcome
    date: dt.date = Field(description="Day the measure was applied, or decided not to be")
    note: str | None = Field(default=None, max_length=2000)
    reason: str | None = Field(default=None, max_length=2000, description="Required when not_applied")


@router.get("", response_model=TaskList, summary="Pull tasks")
def list_tasks(
    caller: Implementer,
    store: StoreDep,
    today: TodayDep,
    dept: Annotated[str | None, Query(description="Implementing department")] = None,
    status: Annotated[TaskStatus | None, Query()] = None,
    overdue: Annotated[
        bool | None, Query(description="Pending after the feedback deadline (the due day is in time)")
    ] = None,
) -> JSONResponse:
    """A department's tasks; suspended (entry disputed) and lifted (repaired, revoked, expired) show so.

    ``overdue=true`` lists the tasks still pending after their deadline (by default the 22nd of the month
    after the task was created); ``overdue=false`` those still in time.
    """
    views = task_service.list_tasks(store, today=today, department=dept, status=status, overdue=overdue)
    return respond(TaskList(tasks=views), caller)


@router.post("/{task_id}/feedback", response_model=Task, summary="Report on a task")
def give_feedback(
    task_id: str,
    body: FeedbackRequest,
    caller: Implementer,
    store: StoreDep,
    audit: AuditDep,
    today: TodayDep,
) -> JSONResponse:
    """applied, not_applied (reason required) or not_applicable; 409 on a suspended or lifted task."""
    task = task_service.give_feedback(
        store,
        task_id,
        outcome=body.outcome,
        on=body.date,
        note=body.note,
        reason=body.reason,
        actor=caller.name,
        today=today,
    )
    audit.record(
        caller.event(
            "task.feedback",
            subject_id=task.subject_id,
            entry_ids=[task.entry_id],
            detail={"task_id": task_id, "outcome": body.outcome.value},
        )
    )
    return respond(task, caller)
