"""``/v1/commitments``: credit commitments (信用承诺) — record, list, confirm materials, publish, breaches.

安化县实施意见 二(二)1–2, 云浮市实施方案 (三)–(四). Departments record the commitments they receive and
confirm the materials; published commitments are open to every role (ID numbers masked for all); the
deadline sweep (``POST /v1/commitments/breaches``) records each overdue 容缺受理 commitment as a dishonest act
through the lifecycle, so the next check reports it. Every call is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.auth import Caller
from api.clock import NowDep, TodayDep
from api.deps import AuditDep, CatalogDep, PolicyDep, SettingsDep, StoreDep, require_roles
from api.errors import PROBLEM_RESPONSES
from api.responses import respond
from graph_service.domain.commitments import Commitment, CommitmentKind, CommitmentStatus
from graph_service.domain.model import CreditDomain, ListKind
from graph_service.services.commitments import service
from graph_service.services.masking import mask_payload

router = APIRouter(prefix="/v1/commitments", tags=["commitments"], responses=PROBLEM_RESPONSES)
# The departments that accept applications (行政审批, approval keys) receive commitments; admins act for any.
Clerk = Annotated[Caller, Depends(require_roles("approval"))]
Reader = Annotated[Caller, Depends(require_roles("approval", "investigator", "initiator", "implementer"))]
Sweeper = Annotated[Caller, Depends(require_roles("initiator"))]
Anyone = Annotated[
    Caller, Depends(require_roles("public", "approval", "investigator", "initiator", "implementer", "peer"))
]


class CommitmentCreate(BaseModel):
    """A commitment as signed; it starts pending (容缺受理) or in force (general, specific)."""

    commitment_id: str = Field(min_length=1, max_length=90, examples=["CM-2026-0001"])
    subject_id: str = Field(min_length=1, max_length=100, examples=["91430923MA4L2B3C1J"])
    kind: CommitmentKind
    domain: CreditDomain = CreditDomain.OTHER
    text: str = Field(min_length=1, max_length=4000, examples=["承诺于2026年3月31日前补齐消防验收意见书"])
    department: str = Field(min_length=1, max_length=200, description="Receiving department (your key's)")
    matter: str | None = Field(default=None, max_length=200)
    materials: list[str] = Field(default_factory=list, max_length=50)
    signed_on: dt.date
    due_on: dt.date | None = None
    published: bool = False


class Confirmation(BaseModel):
    day: dt.date | None = Field(default=None, description="The day the materials arrived, default today")


class BreachView(BaseModel):
    commitment: Commitment
    entry_id: str


def _clerk(caller: Caller) -> service.Clerk:
    return service.Clerk(department=caller.name, admin=caller.role == "admin")


@router.post("", status_code=201, response_model=Commitment, summary="Record a commitment")
def post_commitment(body: CommitmentCreate, caller: Clerk, store: StoreDep, audit: AuditDep) -> JSONResponse:
    commitment = service.new_commitment({**body.model_dump(), "materials": tuple(body.materials)})
    service.record_commitment(store, commitment, _clerk(caller))
    audit.record(
        caller.event(
            "commitment.record", subject_id=commitment.subject_id, detail={"id": commitment.commitment_id}
        )
    )
    return respond(commitment, caller, status_code=201)


@router.get("", response_model=list[Commitment], summary="Commitments of a subject")
def list_commitments(
    caller: Reader,
    store: StoreDep,
    audit: AuditDep,
    subject_id: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[CommitmentStatus | None, Query()] = None,
) -> JSONResponse:
    found = store.get_commitments(subject_id=subject_id, statuses=None if status is None else [status])
    audit.record(caller.event("commitment.list", subject_id=subject_id, detail={"count": len(found)}))
    return respond(found, caller)


@router.get("/published", response_model=list[Commitment], summary="Published commitments (公开承诺)")
def published_commitments(
    caller: Anyone, store: StoreDep, subject_id: Annotated[str | None, Query(max_length=100)] = None
) -> JSONResponse:
    """Commitments published for public scrutiny (接受社会监督); ID numbers masked for every caller."""
    found = [c for c in store.get_commitments(subject_id=subject_id) if c.published]
    return JSONResponse(mask_payload([c.model_dump(mode="json") for c in found]))


@router.post("/breaches", response_model=list[BreachView], summary="Record overdue 容缺受理 commitments")
def post_breaches(
    caller: Sweeper,
    store: StoreDep,
    catalog: CatalogDep,
    policy: PolicyDep,
    settings: SettingsDep,
    audit: AuditDep,
    today: TodayDep,
    now: NowDep,
) -> JSONResponse:
    """Every pending 容缺受理 commitment past its due day becomes a breach and a list entry (watch by
    default; Settings ``commitment_breach_list``) — safe to run again, a breach is recorded once."""
    breaches = service.record_breaches(
        store,
        catalog,
        today=today,
        now=now,
        policy=policy,
        breach_list=ListKind(settings.commitment_breach_list),
    )
    audit.record(caller.event("commitment.breaches", entry_ids=[b.entry_id for b in breaches]))
    return respond([BreachView(commitment=b.commitment, entry_id=b.entry_id) for b in breaches], caller)


@router.post("/{commitment_id}/confirm", response_model=Commitment, summary="Materials received in time")
def post_confirm(
    commitment_id: Annotated[str, Path(max_length=90)],
    body: Confirmation,
    caller: Clerk,
    store: StoreDep,
    audit: AuditDep,
    today: TodayDep,
) -> JSONResponse:
    met = service.confirm_materials(store, commitment_id, day=body.day or today, clerk=_clerk(caller))
    audit.record(caller.event("commitment.confirm", subject_id=met.subject_id, detail={"id": commitment_id}))
    return respond(met, caller)


@router.post("/{commitment_id}/publish", response_model=Commitment, summary="Publish a commitment")
def post_publish(
    commitment_id: Annotated[str, Path(max_length=90)], caller: Clerk, store: StoreDep, audit: AuditDep
) -> JSONResponse:
    published = service.publish(store, commitment_id, clerk=_clerk(caller))
    audit.record(
        caller.event("commitment.publish", subject_id=published.subject_id, detail={"id": commitment_id})
    )
    return respond(published, caller)
