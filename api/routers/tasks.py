"""``/v1/tasks``: implementing departments pull their tasks and report back (推送 pull half, 反馈)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.auth import Caller
from api.clock import TodayDep
from api.deps import AuditDep, StoreDep, decider_of, require_roles
from api.errors import PROBLEM_RESPONSES
from api.responses import masked_content, respond
from graph_service.audit import AuditLog
from graph_service.domain.lifecycle import FeedbackOutcome, TaskStatus
from graph_service.domain.workflow import Task
from graph_service.services.explore.subgraph import is_person_key
from graph_service.services.masking import masks_ids
from graph_service.services.workflow import tasks as task_service
from graph_service.services.workflow.authority import department_scope

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
    audit: AuditDep,
    today: TodayDep,
    dept: Annotated[str | None, Query(description="Implementing department")] = None,
    status: Annotated[TaskStatus | None, Query()] = None,
    overdue: Annotated[
        bool | None, Query(description="Pending after the feedback deadline (the due day is in time)")
    ] = None,
) -> JSONResponse:
    """A department's tasks; suspended (entry disputed) and lifted (repaired, revoked, expired) show so.

    An implementing department sees its own tasks only (``dept`` defaults to it; another → 403); the
    credit office (admin) sees every department's. ``overdue=true`` lists the tasks still pending after
    their deadline (by default the 22nd of the month after the task was created); ``overdue=false``
    those still in time.

    Need-to-know (惩戒落实到人): the department that must act on a person sees the person's name and full
    ID number in its own tasks, and each such disclosure is an audit event (``task.disclose``: who read
    which person's ID, for which task). Everything else in the answer stays masked for its role.
    """
    department = department_scope(dept, decider_of(caller))
    views = task_service.list_tasks(store, today=today, department=department, status=status, overdue=overdue)
    content = masked_content(TaskList(tasks=views), caller)
    if masks_ids(caller.role):
        for shown, view in zip(content["tasks"], views, strict=True):
            if is_person_key(view.task.subject_id):
                _disclose(shown, view, caller, audit)
    return JSONResponse(content)


def _disclose(shown: dict[str, Any], view: task_service.TaskView, caller: Caller, audit: AuditLog) -> None:
    """Put the person's full ID back into the caller's own task, and audit that it was read."""
    task = view.task
    shown["task"]["subject_id"] = task.subject_id
    shown["subject_name"] = view.subject_name
    audit.record(
        caller.event(
            "task.disclose",
            subject_id=task.subject_id,
            entry_ids=[task.entry_id],
            detail={"task_id": task.task_id, "department": task.department},
        )
    )


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
        decider=decider_of(caller),
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
