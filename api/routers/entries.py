"""``/v1/entries``, ``/v1/disputes``, ``/v1/repairs``: initiating, disputing, revoking and repairing entries.

Each route parses, checks who may act, calls one service and audits the change. Decisions on disputes and
repairs belong to the department that listed the entry (谁认定、谁修复): the caller's key name must be the
entry's ``initiating_dept``, or the caller an admin.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.auth import Caller
from api.clock import NowDep, TodayDep
from api.deps import AuditDep, CatalogDep, SettingsDep, StoreDep, require_roles
from api.errors import PROBLEM_RESPONSES, Forbidden
from api.responses import respond
from graph_service.audit import AuditLog
from graph_service.domain.model import EntryStatus, ListEntry
from graph_service.domain.workflow import Dispute, DisputeStatus, RepairApplication
from graph_service.services.workflow import entries as workflow
from graph_service.services.workflow import tasks as task_service
from graph_service.services.workflow_policy import policy_of
from graph_service.store.base import GraphStore

router = APIRouter(tags=["entries"], responses=PROBLEM_RESPONSES)
Initiator = Annotated[Caller, Depends(require_roles("initiator"))]
Disputer = Annotated[Caller, Depends(require_roles("initiator", "implementer"))]
Lister = Annotated[Caller, Depends(require_roles("initiator", "implementer"))]


class EntryPatch(BaseModel):
    """A transition by PATCH: only revocation (撤销); disputes and repairs have their own routes."""

    status: Literal[EntryStatus.REVOKED] = Field(examples=["revoked"])
    reason: str = Field(min_length=1, max_length=2000)


class DisputeRequest(BaseModel):
    grounds: str = Field(min_length=1, max_length=4000, examples=["税款已于2026年10月缴清，附完税证明"])
    filed_by: str = Field(min_length=1, max_length=200, examples=["测试企业1有限公司"])


class ResolveRequest(BaseModel):
    outcome: Literal[DisputeStatus.UPHELD, DisputeStatus.CORRECTED, DisputeStatus.REVOKED]
    reason: str = Field(min_length=1, max_length=2000)
    changes: dict[str, Any] = Field(default_factory=dict, description="Corrected fields (outcome corrected)")


class RepairRequest(BaseModel):
    evidence: str = Field(min_length=1, max_length=4000, examples=["已完成整改并缴清罚款，附证明材料"])


class DecideRequest(BaseModel):
    approve: bool
    reason: str = Field(min_length=1, max_length=2000)


class DisputeList(BaseModel):
    disputes: list[task_service.DisputeView]


def _require_initiating_dept(store: GraphStore, entry_id: str, caller: Caller) -> None:
    entry = workflow.get_entry(store, entry_id)
    if caller.role != "admin" and caller.name != entry.initiating_dept:
        raise Forbidden(
            f"Only the initiating department {entry.initiating_dept!r} (or an admin) decides on entry "
            f"{entry_id!r}; your key is {caller.name!r}."
        )


def _audit(audit: AuditLog, caller: Caller, action: str, entry_id: str, **detail: Any) -> None:
    audit.record(caller.event(action, entry_ids=[entry_id], detail=detail))


@router.post("/v1/entries", status_code=201, response_model=workflow.EntryState, summary="Initiate an entry")
def create_entry(
    body: ListEntry,
    caller: Initiator,
    store: StoreDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    audit: AuditDep,
    at: NowDep,
) -> JSONResponse:
    """List a subject (发起); an effective entry creates one task per measure, subject and department."""
    state = workflow.create_entry(store, catalog, body, today=at.date(), policy=policy_of(settings), now=at)
    _audit(audit, caller, "entry.create", body.entry_id, tasks=len(state.tasks))
    return respond(state, caller, status_code=201)


@router.get("/v1/entries/{entry_id}", response_model=workflow.EntryState, summary="An entry's workflow")
def get_entry(entry_id: str, caller: Lister, store: StoreDep, today: TodayDep) -> JSONResponse:
    """The entry with its history, tasks, disputes and repair applications (``expired`` past its validity)."""
    return respond(workflow.entry_state(store, entry_id, today=today), caller)


@router.patch("/v1/entries/{entry_id}", response_model=workflow.EntryState, summary="Revoke an entry")
def patch_entry(
    entry_id: str,
    body: EntryPatch,
    caller: Initiator,
    store: StoreDep,
    settings: SettingsDep,
    audit: AuditDep,
    at: NowDep,
) -> JSONResponse:
    """Revoke (撤销) by the initiating department; its tasks are lifted in the same transaction."""
    _require_initiating_dept(store, entry_id, caller)
    state = workflow.revoke_entry(
        store, entry_id, reason=body.reason, actor=caller.name, now=at, policy=policy_of(settings)
    )
    _audit(audit, caller, "entry.revoke", entry_id, reason=body.reason)
    return respond(state, caller)


@router.post(
    "/v1/entries/{entry_id}/disputes", status_code=201, response_model=Dispute, summary="File a dispute"
)
def file_dispute(
    entry_id: str,
    body: DisputeRequest,
    caller: Disputer,
    store: StoreDep,
    settings: SettingsDep,
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
        policy=policy_of(settings),
    )
    _audit(audit, caller, "entry.dispute", entry_id, dispute_id=dispute.dispute_id)
    return respond(dispute, caller, status_code=201)


@router.post(
    "/v1/entries/{entry_id}/disputes/{dispute_id}/resolve",
    response_model=workflow.EntryState,
    summary="Resolve a dispute",
)
def resolve_dispute(
    entry_id: str,
    dispute_id: str,
    body: ResolveRequest,
    caller: Initiator,
    store: StoreDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    audit: AuditDep,
    at: NowDep,
) -> JSONResponse:
    """Upheld → active, corrected → active with the changed fields (new version), revoked → revoked."""
    _require_initiating_dept(store, entry_id, caller)
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
        policy=policy_of(settings),
    )
    _audit(audit, caller, "entry.resolve", entry_id, dispute_id=dispute_id, outcome=body.outcome.value)
    return respond(state, caller)


@router.get("/v1/disputes", response_model=DisputeList, summary="Disputes, overdue ones flagged")
def list_disputes(
    caller: Lister, store: StoreDep, today: TodayDep, overdue: Annotated[bool | None, Query()] = None
) -> JSONResponse:
    """Disputes; ``overdue=true`` lists those still open after their verification deadline (the due day
    itself is still in time)."""
    views = task_service.list_disputes(store, today=today, overdue=overdue)
    return respond(DisputeList(disputes=views), caller)


@router.post(
    "/v1/entries/{entry_id}/repair",
    status_code=201,
    response_model=RepairApplication,
    summary="Apply for credit repair",
)
def apply_for_repair(
    entry_id: str,
    body: RepairRequest,
    caller: Disputer,
    store: StoreDep,
    settings: SettingsDep,
    audit: AuditDep,
    at: NowDep,
) -> JSONResponse:
    """File a repair application (信用修复) for an active entry; the initiating department decides it."""
    repair = workflow.apply_for_repair(
        store, entry_id, evidence=body.evidence, applied_by=caller.name, now=at, policy=policy_of(settings)
    )
    _audit(audit, caller, "entry.repair_apply", entry_id, repair_id=repair.repair_id)
    return respond(repair, caller, status_code=201)


@router.post("/v1/repairs/{repair_id}/decide", response_model=RepairApplication, summary="Decide a repair")
def decide_repair(
    repair_id: str,
    body: DecideRequest,
    caller: Initiator,
    store: StoreDep,
    settings: SettingsDep,
    audit: AuditDep,
    at: NowDep,
) -> JSONResponse:
    """Approve (entry repaired, tasks lifted, in one transaction) or reject, with a reason."""
    application = workflow.get_repair(store, repair_id)
    _require_initiating_dept(store, application.entry_id, caller)
    decided = workflow.decide_repair(
        store,
        repair_id,
        approve=body.approve,
        reason=body.reason,
        actor=caller.name,
        now=at,
        policy=policy_of(settings),
    )
    _audit(audit, caller, "entry.repair_decide", decided.entry_id, repair_id=repair_id, approved=body.approve)
    return respond(decided, caller)
