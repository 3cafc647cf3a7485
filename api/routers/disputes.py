"""Disputes (异议): filing one against an entry, its resolution by the initiating department, the list.

While a dispute is open, the entry's tasks are suspended (湖南省实施意见 (三)4: measures suspended while
the objection is verified); the verification deadline is the policy's ``dispute_days``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.auth import Caller
from api.clock import NowDep, TodayDep
from api.deps import AuditDep, CatalogDep, PolicyDep, StoreDep, decider_of, require_roles
from api.errors import PROBLEM_RESPONSES
from api.responses import respond
from api.routers.entries import audit_entry
from graph_service.domain.workflow import Dispute, DisputeStatus
from graph_service.services.workflow import entries as workflow
from graph_service.services.workflow import tasks as task_service
from graph_service.services.workflow.state import EntryState

router = APIRouter(prefix="/v1", tags=["entries"], responses=PROBLEM_RESPONSES)
Initiator = Annotated[Caller, Depends(require_roles("initiator"))]
Disputer = Annotated[Caller, Depends(require_roles("initiator", "implementer"))]


class DisputeRequest(BaseModel):
    grounds: str = Field(min_length=1, max_length=4000, examples=["税款已于2026年10月缴清，附完税证明"])
    filed_by: str = Field(min_length=1, max_length=200, examples=["测试企业1有限公司"])


class ResolveRequest(BaseModel):
    outcome: Literal[DisputeStatus.UPHELD, DisputeStatus.CORRECTED, DisputeStatus.REVOKED]
    reason: str = Field(min_length=1, max_length=2000)
    changes: dict[str, Any] = Field(default_factory=dict, description="Corrected fields (outcome corrected)")


class DisputeList(BaseModel):
    disputes: list[task_service.DisputeView]


@router.post(
    "/entries/{entry_id}/disputes", status_code=201, response_model=Dispute, summary="File a dispute"
)
def file_dispute(
    entry_id: str,
    body: DisputeRequest,
    caller: Disputer,
    store: StoreDep,
    policy: PolicyDep,
    audit: AuditDep,
    at: NowDep,
) -> JSONResponse:
    """File an objection (异议): the entry is disputed and its tasks suspended until it is resolved."""
    dispute = workflow.file_dispute(
        store,
        entry_id,
        grounds=body.grounds,
        filed_by=body.filed_by,
        actor=caller.name,
        now=at,
        policy=policy,
    )
    audit_entry(audit, caller, "entry.dispute", entry_id, dispute_id=dispute.dispute_id)
    return respond(dispute, caller, status_code=201)


@router.post(
    "/entries/{entry_id}/disputes/{dispute_id}/resolve",
    response_model=EntryState,
    summary="Resolve a dispute",
)
def resolve_dispute(
    entry_id: str,
    dispute_id: str,
    body: ResolveRequest,
    caller: Initiator,
    store: StoreDep,
    catalog: CatalogDep,
    policy: PolicyDep,
    audit: AuditDep,
    at: NowDep,
) -> JSONResponse:
    """Upheld → active, corrected → active with the changed fields (new version), revoked → revoked."""
    state = workflow.resolve_dispute(
        store,
        catalog,
        entry_id,
        dispute_id,
        outcome=body.outcome,
        reason=body.reason,
        changes=body.changes,
        actor=caller.name,
        now=at,
        policy=policy,
        decider=decider_of(caller),
    )
    audit_entry(audit, caller, "entry.resolve", entry_id, dispute_id=dispute_id, outcome=body.outcome.value)
    return respond(state, caller)


@router.get("/disputes", response_model=DisputeList, summary="Disputes, overdue ones flagged")
def list_disputes(
    caller: Disputer, store: StoreDep, today: TodayDep, overdue: Annotated[bool | None, Query()] = None
) -> JSONResponse:
    """Disputes; ``overdue=true`` lists those still open after their verification deadline (the due day
    itself is still in time)."""
    views = task_service.list_disputes(store, today=today, overdue=overdue)
    return respond(DisputeList(disputes=views), caller)
