"""``/v1/entries``: initiating (发起), reading and revoking (撤销) list entries.

Each route parses, calls one service and audits the change. Who may decide on an entry (谁认定、谁修复) is
:mod:`graph_service.services.workflow.authority`, applied by the service.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.auth import Caller
from api.clock import NowDep, TodayDep
from api.deps import AuditDep, CatalogDep, PolicyDep, StoreDep, decider_of, require_roles
from api.errors import PROBLEM_RESPONSES
from api.responses import respond
from graph_service.audit import AuditLog
from graph_service.domain.model import CreditDomain, EntryStatus, ListEntry, ListKind
from graph_service.services.workflow import entries as workflow
from graph_service.services.workflow import workspace
from graph_service.services.workflow.state import EntryState, entry_state
from graph_service.services.workflow.workspace import EntryPage, EntryQuery

router = APIRouter(prefix="/v1/entries", tags=["entries"], responses=PROBLEM_RESPONSES)
Initiator = Annotated[Caller, Depends(require_roles("initiator"))]
Lister = Annotated[Caller, Depends(require_roles("initiator", "implementer"))]


class EntryPatch(BaseModel):
    """A transition by PATCH: only revocation (撤销); disputes and repairs have their own routes."""

    status: Literal[EntryStatus.REVOKED] = Field(examples=["revoked"])
    reason: str = Field(min_length=1, max_length=2000)


def audit_entry(audit: AuditLog, caller: Caller, action: str, entry_id: str, **detail: Any) -> None:
    """Record a change of an entry in the audit log."""
    audit.record(caller.event(action, entry_ids=[entry_id], detail=detail))


@router.post("", status_code=201, response_model=EntryState, summary="Initiate an entry")
def create_entry(
    body: ListEntry,
    caller: Initiator,
    store: StoreDep,
    catalog: CatalogDep,
    policy: PolicyDep,
    audit: AuditDep,
    at: NowDep,
) -> JSONResponse:
    """List a subject (发起); an effective entry creates one task per measure, subject and department.

    ``initiating_dept`` must be the key's department (an admin may enter any department's decision);
    ``source_region`` is this county's region (filled in when absent): 403 naming both values otherwise.
    """
    state = workflow.create_entry(
        store, catalog, body, today=at.date(), policy=policy, now=at, decider=decider_of(caller)
    )
    audit_entry(audit, caller, "entry.create", body.entry_id, tasks=len(state.tasks))
    return respond(state, caller, status_code=201)


@router.get("/{entry_id}", response_model=EntryState, summary="An entry's workflow")
def get_entry(entry_id: str, caller: Lister, store: StoreDep, today: TodayDep) -> JSONResponse:
    """The entry with its history, tasks, disputes and repair applications (``expired`` past its validity)."""
    return respond(entry_state(store, entry_id, today=today), caller)


@router.patch("/{entry_id}", response_model=EntryState, summary="Revoke an entry")
def patch_entry(
    entry_id: str,
    body: EntryPatch,
    caller: Initiator,
    store: StoreDep,
    policy: PolicyDep,
    audit: AuditDep,
    at: NowDep,
) -> JSONResponse:
    """Revoke (撤销) by the initiating department; its tasks are lifted in the same transaction."""
    state = workflow.revoke_entry(
        store,
        entry_id,
        reason=body.reason,
        actor=caller.name,
        now=at,
        policy=policy,
        decider=decider_of(caller),
    )
    audit_entry(audit, caller, "entry.revoke", entry_id, reason=body.reason)
    return respond(state, caller)


@router.get("", response_model=EntryPage, summary="List entries")
def list_entries(
    caller: Initiator,
    store: StoreDep,
    today: TodayDep,
    lists: Annotated[list[ListKind] | None, Query(alias="list")] = None,
    domains: Annotated[list[CreditDomain] | None, Query(alias="domain")] = None,
    statuses: Annotated[list[EntryStatus] | None, Query(alias="status")] = None,
    dept: Annotated[str | None, Query(max_length=200, description="Initiating department")] = None,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{6}$", description="Source region or within")] = None,
    start: Annotated[dt.date | None, Query(alias="from", description="Decided on or after")] = None,
    end: Annotated[dt.date | None, Query(alias="to", description="Decided on or before")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in id, subject, reason, basis")] = None,
    after: Annotated[str | None, Query(max_length=100, description="`next` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> JSONResponse:
    """Entries by list, domain, status, department, region, decision date and text, by ``entry_id``;
    keyset paging (``after`` = the previous page's ``next``). Each row names its subject and the actions
    a person may request on it now."""
    query = EntryQuery(
        lists=frozenset(lists) if lists else None,
        domains=frozenset(domains) if domains else None,
        statuses=frozenset(statuses) if statuses else None,
        department=dept,
        region=region,
        decided_from=start,
        decided_to=end,
        text=q,
    )
    return respond(workspace.list_entries(store, query, today=today, after=after, limit=limit), caller)
