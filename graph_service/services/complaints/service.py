"""Use cases of complaints and reports from the public (投诉、举报).

湖南省实施意见 (三)5 (建立完善失信举报制度，鼓励公众举报企业严重失信行为，对举报人信息严格保密),
本溪市实施方案 (十), 云浮市实施方案 (十四) (统一接听、按责转办、限时办结): received from anyone, routed at
once to the department the catalog names for its domain (``complaint_routing``), passed on by that
department if it is not theirs, and closed with an outcome — naming the dispute (异议, 湖南省 (四)6:
投诉发现信息不实) or the entry (a substantiated report of a dishonest act) that resulted, which must exist.

Orchestration only: the model and transitions are :mod:`graph_service.domain.complaints`. Time is passed in.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from graph_service.domain.complaints import (
    Complaint,
    ComplaintKind,
    ComplaintOutcome,
    ComplaintStatus,
    may_move,
)
from graph_service.domain.measures import Catalog
from graph_service.domain.model import CreditDomain
from graph_service.errors import Conflict, InvalidInput, NotFound, NotPermitted
from graph_service.services.workflow.state import valid
from graph_service.store.base import GraphStore


@dataclass(frozen=True)
class Handler:
    """Who acts on a complaint: a department (its key's name and role), or an admin acting for any."""

    department: str
    role: str
    admin: bool = False


def complaint_number(now: dt.datetime) -> str:
    """A new complaint number: ``TS-<day>-<10 random hex digits>`` (the complainant's receipt)."""
    return f"TS-{now:%Y%m%d}-{uuid.uuid4().hex[:10].upper()}"


def receive(
    store: GraphStore,
    catalog: Catalog,
    *,
    kind: ComplaintKind,
    domain: CreditDomain,
    text: str,
    subject_id: str | None,
    subject_name: str | None,
    contact: str | None,
    now: dt.datetime,
) -> Complaint:
    """Receive a complaint and route it at once to the department the catalog names for ``domain``,
    due ``complaint_routing.due_days`` later (限时办结)."""
    routing = catalog.complaint_routing
    complaint = valid(
        Complaint,
        complaint_id=complaint_number(now),
        kind=kind,
        domain=domain,
        subject_id=subject_id,
        subject_name=subject_name,
        text=text,
        contact=contact,
        received_at=now,
        status=ComplaintStatus.ROUTED,
        department=routing.department_for(domain),
        routed_by="complaint_routing",
        routed_on=now.date(),
        due_on=now.date() + dt.timedelta(days=routing.due_days),
    )
    store.save_complaint(complaint)
    return complaint


def get_complaint(store: GraphStore, complaint_id: str) -> Complaint:
    found = store.get_complaints(complaint_id=complaint_id)
    if not found:
        raise NotFound(f"complaint_id: no complaint {complaint_id!r}; check the receipt number")
    return found[0]


def route(
    store: GraphStore, complaint_id: str, *, department: str, handler: Handler, day: dt.date
) -> Complaint:
    """Pass a complaint on to ``department`` (转办): by the department it is with, or an admin."""
    complaint = _with_handler(get_complaint(store, complaint_id), handler)
    _require_move(complaint, ComplaintStatus.ROUTED)
    routed = complaint.model_copy(
        update={
            "status": ComplaintStatus.ROUTED,
            "department": department,
            "routed_by": handler.department,
            "routed_on": day,
            "version": complaint.version + 1,
        }
    )
    store.save_complaint(routed)
    return routed


def close(
    store: GraphStore,
    complaint_id: str,
    *,
    outcome: ComplaintOutcome,
    note: str,
    entry_id: str | None,
    dispute_id: str | None,
    handler: Handler,
    day: dt.date,
) -> Complaint:
    """Close (办结) with an outcome and, where one resulted, the entry and/or dispute (which must exist:
    ``NotFound`` naming it). By the department it is with, or an admin."""
    complaint = _with_handler(get_complaint(store, complaint_id), handler)
    _require_move(complaint, ComplaintStatus.CLOSED)
    if dispute_id is not None and entry_id is None:
        raise InvalidInput.for_field("entry_id", None, "a dispute_id comes with the entry_id it disputes")
    if entry_id is not None and not store.get_entries([entry_id]):
        raise NotFound(f"entry_id: no entry {entry_id!r}; create or dispute it first, then close")
    if dispute_id is not None and not store.get_disputes(entry_id=entry_id, dispute_id=dispute_id):
        raise NotFound(f"dispute_id: no dispute {dispute_id!r} of entry {entry_id!r}")
    closed = complaint.model_copy(
        update={
            "status": ComplaintStatus.CLOSED,
            "outcome": outcome,
            "outcome_note": note,
            "closed_by": handler.department,
            "closed_on": day,
            "entry_id": entry_id,
            "dispute_id": dispute_id,
            "version": complaint.version + 1,
        }
    )
    store.save_complaint(closed)
    return closed


def _require_move(complaint: Complaint, to: ComplaintStatus) -> None:
    allowed = may_move(complaint.status, to)
    if allowed:
        raise Conflict(
            f"complaint {complaint.complaint_id!r} is {complaint.status.value}; it can move to: "
            + ", ".join(allowed)
        )


def _with_handler(complaint: Complaint, handler: Handler) -> Complaint:
    if not handler.admin and complaint.department != handler.department:
        raise NotPermitted(
            f"complaint {complaint.complaint_id!r} is with {complaint.department!r}; "
            f"the {handler.role!r} key {handler.department!r} may not act on it"
        )
    return complaint
