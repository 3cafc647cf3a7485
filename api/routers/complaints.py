"""``/v1/complaints``: complaints and reports from the public (投诉、举报) — intake, routing, outcome.

湖南省实施意见 (三)5, 本溪市实施方案 (十), 云浮市实施方案 (十四). Anyone may file one (the public role, and no
key at all with ``GRAPH_SERVICE_PUBLIC_ANONYMOUS``); intake is rate-limited like every ``/v1`` call, per key
or per client address. The complainant gets a receipt number to follow the case by; the complaint itself,
with the complainant's contact (对举报人信息严格保密), is shown only to the department it is with and to
admins. Every step is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.auth import Caller
from api.clock import NowDep, TodayDep
from api.deps import AuditDep, CatalogDep, StoreDep, require_roles
from api.errors import PROBLEM_RESPONSES
from api.responses import respond
from graph_service.domain.complaints import Complaint, ComplaintKind, ComplaintOutcome, ComplaintStatus
from graph_service.domain.model import CreditDomain
from graph_service.services.complaints import service
from graph_service.services.masking import mask_payload

router = APIRouter(prefix="/v1/complaints", tags=["complaints"], responses=PROBLEM_RESPONSES)
Anyone = Annotated[
    Caller, Depends(require_roles("public", "approval", "investigator", "initiator", "implementer", "peer"))
]
Department = Annotated[Caller, Depends(require_roles("initiator", "implementer"))]

_ID = Path(max_length=100, description="The receipt number, e.g. TS-20260401-3F9A2C1B7D")


class ComplaintIntake(BaseModel):
    """What a member of the public tells us."""

    kind: ComplaintKind = Field(examples=["report"], description="complaint (投诉) or report (举报)")
    domain: CreditDomain = Field(default=CreditDomain.OTHER, examples=["food_drug"])
    text: str = Field(min_length=1, max_length=4000, examples=["该企业在无证照的情况下从事食品经营"])
    subject_id: str | None = Field(default=None, max_length=100, description="USCC of whom it is about")
    subject_name: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=200, description="Kept confidential")


class ComplaintReceipt(BaseModel):
    """What the complainant sees: where the case is, never anyone's contact."""

    complaint_id: str
    kind: ComplaintKind
    status: ComplaintStatus
    department: str | None
    due_on: dt.date | None
    outcome: ComplaintOutcome | None = None
    closed_on: dt.date | None = None


class Routing(BaseModel):
    department: str = Field(min_length=1, max_length=200, examples=["市场监管部门"])


class Closing(BaseModel):
    outcome: ComplaintOutcome
    note: str = Field(min_length=1, max_length=4000)
    entry_id: str | None = Field(default=None, max_length=100, description="The entry that resulted")
    dispute_id: str | None = Field(default=None, max_length=100, description="The dispute of entry_id")


def _receipt(c: Complaint) -> ComplaintReceipt:
    return ComplaintReceipt(
        complaint_id=c.complaint_id,
        kind=c.kind,
        status=c.status,
        department=c.department,
        due_on=c.due_on,
        outcome=c.outcome,
        closed_on=c.closed_on,
    )


def _handler(caller: Caller) -> service.Handler:
    return service.Handler(department=caller.name, role=caller.role, admin=caller.role == "admin")


@router.post("", status_code=201, response_model=ComplaintReceipt, summary="File a complaint or report")
def post_complaint(
    body: ComplaintIntake, caller: Anyone, store: StoreDep, catalog: CatalogDep, audit: AuditDep, now: NowDep
) -> JSONResponse:
    """Received and routed at once to the responsible department (按责转办), due in the catalog's days."""
    complaint = service.receive(store, catalog, now=now, **body.model_dump())
    audit.record(
        caller.event(
            "complaint.receive",
            subject_id=complaint.subject_id,
            detail={"id": complaint.complaint_id, "department": complaint.department},
        )
    )
    return JSONResponse(mask_payload(_receipt(complaint).model_dump(mode="json")), status_code=201)


@router.get("/{complaint_id}/receipt", response_model=ComplaintReceipt, summary="Follow a complaint")
def get_receipt(complaint_id: Annotated[str, _ID], caller: Anyone, store: StoreDep) -> JSONResponse:
    return JSONResponse(
        mask_payload(_receipt(service.get_complaint(store, complaint_id)).model_dump(mode="json"))
    )


@router.get("", response_model=list[Complaint], summary="The complaints with your department")
def list_complaints(
    caller: Department,
    store: StoreDep,
    audit: AuditDep,
    status: Annotated[ComplaintStatus | None, Query()] = None,
    department: Annotated[
        str | None, Query(max_length=200, description="Admins only: any department")
    ] = None,
) -> JSONResponse:
    """A department sees the complaints routed to it (with the complainant's contact); admins any."""
    wanted = department if caller.role == "admin" else caller.name
    found = store.get_complaints(department=wanted, statuses=None if status is None else [status])
    audit.record(caller.event("complaint.list", detail={"department": wanted, "count": len(found)}))
    return respond(found, caller)


@router.post("/{complaint_id}/route", response_model=Complaint, summary="Pass a complaint on (转办)")
def post_route(
    complaint_id: Annotated[str, _ID],
    body: Routing,
    caller: Department,
    store: StoreDep,
    audit: AuditDep,
    today: TodayDep,
) -> JSONResponse:
    routed = service.route(
        store, complaint_id, department=body.department, handler=_handler(caller), day=today
    )
    audit.record(
        caller.event(
            "complaint.route",
            subject_id=routed.subject_id,
            detail={"id": complaint_id, "to": body.department},
        )
    )
    return respond(routed, caller)


@router.post("/{complaint_id}/close", response_model=Complaint, summary="Close a complaint (办结)")
def post_close(
    complaint_id: Annotated[str, _ID],
    body: Closing,
    caller: Department,
    store: StoreDep,
    audit: AuditDep,
    today: TodayDep,
) -> JSONResponse:
    """With the outcome and, where one resulted, the entry and/or dispute it led to."""
    closed = service.close(store, complaint_id, handler=_handler(caller), day=today, **body.model_dump())
    audit.record(
        caller.event(
            "complaint.close",
            subject_id=closed.subject_id,
            entry_ids=[closed.entry_id] if closed.entry_id else [],
            detail={"id": complaint_id, "outcome": closed.outcome, "dispute_id": closed.dispute_id},
        )
    )
    return respond(closed, caller)
