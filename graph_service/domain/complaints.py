"""Complaints and reports from the public (投诉、举报): intake, routing, outcome, and what resulted.

"建立完善失信举报制度，鼓励公众举报企业严重失信行为，对举报人信息严格保密" (湖南省实施意见 (三)5;
本溪市实施方案 (十)); "统一接听、按责转办、限时办结" (云浮市实施方案 (十四)). A complaint is received,
routed to the department responsible for its domain (the catalog's routing table, or a clerk's choice), and
closed with an outcome; where it results in a dispute of an entry (投诉发现信息不实) or a new entry (a
substantiated report of a dishonest act) the close names it. The complainant's contact is never part of a
public answer.

Pure: the models and the transitions as data.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from graph_service.domain.bounds import BoundsError, check_safe_id
from graph_service.domain.model import CreditDomain


class ComplaintKind(StrEnum):
    COMPLAINT = "complaint"  # 投诉: about a record or a measure taken
    REPORT = "report"  # 举报: of a dishonest act


class ComplaintStatus(StrEnum):
    RECEIVED = "received"
    ROUTED = "routed"  # 按责转办: with the responsible department
    CLOSED = "closed"  # 办结


class ComplaintOutcome(StrEnum):
    SUBSTANTIATED = "substantiated"  # 属实
    UNSUBSTANTIATED = "unsubstantiated"  # 不属实
    NOT_COMPETENT = "not_competent"  # 不属本系统受理范围


#: ``COMPLAINT_TRANSITIONS[status]``: the statuses a complaint may move to (route again = re-route).
COMPLAINT_TRANSITIONS: Final[dict[ComplaintStatus, frozenset[ComplaintStatus]]] = {
    ComplaintStatus.RECEIVED: frozenset({ComplaintStatus.ROUTED, ComplaintStatus.CLOSED}),
    ComplaintStatus.ROUTED: frozenset({ComplaintStatus.ROUTED, ComplaintStatus.CLOSED}),
    ComplaintStatus.CLOSED: frozenset(),
}


class Complaint(BaseModel):
    """One complaint or report from the public, as it moves from intake to close."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    complaint_id: str = Field(min_length=1, max_length=100)
    kind: ComplaintKind
    domain: CreditDomain = CreditDomain.OTHER
    subject_id: str | None = Field(default=None, max_length=100, description="Whom it is about, if known")
    subject_name: str | None = Field(default=None, max_length=200)
    text: str = Field(min_length=1, max_length=4000)
    contact: str | None = Field(
        default=None, max_length=200, description="How to reach the complainant (kept confidential)"
    )
    received_at: dt.datetime
    status: ComplaintStatus = ComplaintStatus.RECEIVED
    department: str | None = Field(default=None, max_length=200, description="Routed to (按责转办)")
    routed_by: str | None = None
    routed_on: dt.date | None = None
    due_on: dt.date | None = Field(default=None, description="限时办结: to be closed by this day")
    outcome: ComplaintOutcome | None = None
    outcome_note: str | None = Field(default=None, max_length=4000)
    closed_by: str | None = None
    closed_on: dt.date | None = None
    entry_id: str | None = Field(default=None, description="The entry that resulted, or was disputed")
    dispute_id: str | None = Field(default=None, description="The dispute that resulted")
    version: int = Field(default=1, ge=1)

    @field_validator("complaint_id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        try:
            return check_safe_id("complaint_id", value)
        except BoundsError as exc:
            raise ValueError(exc.reason) from exc

    @model_validator(mode="after")
    def _shape(self) -> Complaint:
        if self.status is not ComplaintStatus.RECEIVED and self.department is None:
            raise ValueError("a routed or closed complaint names its department")
        if (self.status is ComplaintStatus.CLOSED) != (self.outcome is not None):
            raise ValueError("a complaint has an outcome exactly when it is closed")
        if self.dispute_id is not None and self.entry_id is None:
            raise ValueError("a dispute_id comes with the entry_id it disputes")
        return self


def may_move(status: ComplaintStatus, to: ComplaintStatus) -> list[str]:
    """Empty if ``status -> to`` is allowed, else the statuses that are (for the error)."""
    allowed = COMPLAINT_TRANSITIONS[status]
    return [] if to in allowed else sorted(s.value for s in allowed) or ["none: it is closed"]
