"""The workspace page of the credit office and the departments (``/workspace``), and what only it reads.

The page, like the explorer, holds no data: it calls the API with the department's key (kept in
``sessionStorage``) — ``/v1/entries``, ``/v1/tasks``, ``/v1/stats``, ``/v1/loads`` — plus the two
answers below, which exist for it: the credit office's queues and one entry's feed events and actions.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import FileResponse, JSONResponse

from api.auth import Caller
from api.clock import TodayDep
from api.deps import StoreDep, require_roles
from api.errors import PROBLEM_RESPONSES
from api.responses import respond
from api.routers.explorer import STATIC_DIR
from graph_service.services.workflow import workspace
from graph_service.services.workflow.state import get_entry

router = APIRouter(prefix="/v1/workspace", tags=["entries"], responses=PROBLEM_RESPONSES)
page_router = APIRouter(include_in_schema=False)
Office = Annotated[Caller, Depends(require_roles("initiator"))]


@page_router.get("/workspace")
async def page() -> FileResponse:
    """The workspace page (plain HTML/CSS/JS, Chinese first)."""
    return FileResponse(STATIC_DIR / "workspace.html", headers={"Cache-Control": "no-cache"})


@router.get("/queues", response_model=workspace.Queues, summary="Open disputes and pending repairs")
def queues(caller: Office, store: StoreDep, today: TodayDep) -> JSONResponse:
    """Open disputes, nearest verification deadline first (``days_left`` negative once overdue), and
    pending repair applications: an initiating department's own entries; the credit office's all."""
    department = None if caller.role == "admin" else caller.name
    return respond(workspace.queues(store, today=today, department=department), caller)


@router.get(
    "/entries/{entry_id}/events", response_model=workspace.EntryEvents, summary="An entry's feed events"
)
def entry_events(entry_id: str, caller: Office, store: StoreDep, today: TodayDep) -> JSONResponse:
    """The actions a person may request on the entry now, and its events in the change feed."""
    entry = get_entry(store, entry_id)
    return respond(workspace.entry_events(store, entry, today=today), caller)


def install(app: FastAPI) -> None:
    """Add the page at ``/workspace`` (its files are under the explorer's ``/static``) and its reads."""
    app.include_router(router)
    app.include_router(page_router)
