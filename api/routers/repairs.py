"""Credit repair (信用修复): an application against an entry, and its decision by the initiating department.

An approved repair ends publication, sharing and measures together (the service writes it in one step).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.auth import Caller
from api.clock import NowDep
from api.deps import AuditDep, PolicyDep, StoreDep, decider_of, require_roles
from api.errors import PROBLEM_RESPONSES
from api.responses import respond
from api.routers.entries import audit_entry
from graph_service.domain.workflow import RepairApplication
from graph_service.services.workflow import repairs

router = APIRouter(prefix="/v1", tags=["entries"], responses=PROBLEM_RESPONSES)
Initiator = Annotated[Caller, Depends(require_roles("initiator"))]
Applicant = Annotated[Caller, Depends(require_roles("initiator", "implementer"))]


class RepairRequest(BaseModel):
    evidence: str = Field(min_length=1, max_length=4000, examples=["已完成整改并缴清罚款，附证明材料"])


class DecideRequest(BaseModel):
    approve: bool
    reason: str = Field(min_length=1, max_length=2000)
    valid_until: dt.date | None = Field(
        default=None,
        description="With approve: shorten the punishment term to end on this day instead of ending the "
        "entry now (安化县 (四)5 适度调整联合惩戒期限)",
        examples=["2026-12-31"],
    )


@router.post(
    "/entries/{entry_id}/repair",
    status_code=201,
    response_model=RepairApplication,
    summary="Apply for credit repair",
)
def apply_for_repair(
    entry_id: str,
    body: RepairRequest,
    caller: Applicant,
    store: StoreDep,
    policy: PolicyDep,
    audit: AuditDep,
    at: NowDep,
) -> JSONResponse:
    """File a repair application (信用修复) for an active entry; the initiating department decides it."""
    repair = repairs.apply_for_repair(
        store, entry_id, evidence=body.evidence, applied_by=caller.name, now=at, policy=policy
    )
    audit_entry(audit, caller, "entry.repair_apply", entry_id, repair_id=repair.repair_id)
    return respond(repair, caller, status_code=201)


@router.post("/repairs/{repair_id}/decide", response_model=RepairApplication, summary="Decide a repair")
def decide_repair(
    repair_id: str,
    body: DecideRequest,
    caller: Initiator,
    store: StoreDep,
    policy: PolicyDep,
    audit: AuditDep,
    at: NowDep,
) -> JSONResponse:
    """Approve (entry repaired, tasks lifted, in one transaction) or reject, with a reason."""
    decided = repairs.decide_repair(
        store,
        repair_id,
        approve=body.approve,
        reason=body.reason,
        actor=caller.name,
        now=at,
        policy=policy,
        decider=decider_of(caller),
        valid_until=body.valid_until,
    )
    audit_entry(
        audit, caller, "entry.repair_decide", decided.entry_id, repair_id=repair_id, approved=body.approve
    )
    return respond(decided, caller)
