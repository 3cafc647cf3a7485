"""Credit commitments (信用承诺): a subject's written promise, and what happens when it is not kept.

Two families, as the policy texts name them:

* 容缺受理 — "部分申报材料不齐备的，如其书面承诺在规定期限内提供，应先行受理" (安化县实施意见 二(二)2,
  云浮市实施方案 (四), 本溪市实施方案 二(三)): the application is accepted now, the missing materials follow
  by ``due_on``. Confirmed in time it is *met*; not confirmed by ``due_on`` it is *breached*, and the breach
  is a dishonest act recorded as a list entry through the lifecycle.
* 综合性 / 专项性信用承诺 — "引导企业主动发布综合性或专项性信用承诺书，接受社会监督" (安化县 二(二)1,
  云浮市 (三) 推行企业主动承诺制度): a public promise, in force from ``signed_on``, published for the public.

Pure: the models and the transitions (data, like :mod:`graph_service.domain.lifecycle`).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from graph_service.domain.bounds import SAFE_ID_PATTERN, BoundsError, check_safe_id
from graph_service.domain.model import CreditDomain, subject_key_unless_stored


class CommitmentKind(StrEnum):
    DEFERRED_MATERIALS = "deferred_materials"  # 容缺受理: materials to follow by a date
    GENERAL = "general"  # 综合性信用承诺
    SPECIFIC = "specific"  # 专项性信用承诺 (产品服务质量、安全生产 …)


class CommitmentStatus(StrEnum):
    PENDING = "pending"  # 容缺受理: materials not yet confirmed, deadline not passed
    MET = "met"  # 容缺受理: materials confirmed by the deadline
    BREACHED = "breached"  # 容缺受理: deadline passed unconfirmed; a dishonest act
    IN_FORCE = "in_force"  # a general or specific public commitment


class CommitmentAction(StrEnum):
    CONFIRM = "confirm"
    BREACH = "breach"


#: ``COMMITMENT_TRANSITIONS[status][action] -> status``; anything else is refused naming what is allowed.
COMMITMENT_TRANSITIONS: Final[dict[CommitmentStatus, dict[CommitmentAction, CommitmentStatus]]] = {
    CommitmentStatus.PENDING: {
        CommitmentAction.CONFIRM: CommitmentStatus.MET,
        CommitmentAction.BREACH: CommitmentStatus.BREACHED,
    },
    CommitmentStatus.MET: {},
    CommitmentStatus.BREACHED: {},
    CommitmentStatus.IN_FORCE: {},
}


class CommitmentError(ValueError):
    """A commitment move the rules refuse: ``allowed`` lists what its status permits."""

    def __init__(self, reason: str, allowed: list[str]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.allowed = allowed


class Commitment(BaseModel):
    """One written commitment of one subject, received by one department."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    commitment_id: str = Field(
        min_length=1, max_length=90, description=f"Pattern {SAFE_ID_PATTERN}", examples=["CM-2026-0001"]
    )
    subject_id: str = Field(examples=["91430923MA4L2B3C1J"])
    kind: CommitmentKind
    domain: CreditDomain = Field(default=CreditDomain.OTHER, description="The field the matter belongs to")
    text: str = Field(min_length=1, max_length=4000, description="承诺内容, as signed")
    department: str = Field(min_length=1, max_length=200, description="The department that received it")
    matter: str | None = Field(default=None, max_length=200, description="行政许可事项 (容缺受理)")
    materials: tuple[str, ...] = Field(default=(), description="Materials promised (容缺受理)")
    signed_on: dt.date
    due_on: dt.date | None = Field(default=None, description="Last day to provide the materials (容缺受理)")
    published: bool = False
    status: CommitmentStatus = CommitmentStatus.PENDING
    confirmed_on: dt.date | None = None
    confirmed_by: str | None = None
    breached_on: dt.date | None = None
    breach_entry_id: str | None = Field(default=None, description="The list entry recording the breach")
    version: int = Field(default=1, ge=1)

    _check_subject = field_validator("subject_id")(classmethod(subject_key_unless_stored))

    @field_validator("commitment_id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        try:
            return check_safe_id("commitment_id", value)
        except BoundsError as exc:
            raise ValueError(exc.reason) from exc

    @model_validator(mode="after")
    def _shape(self) -> Commitment:
        deferred = self.kind is CommitmentKind.DEFERRED_MATERIALS
        if deferred and (self.due_on is None or not self.materials):
            raise ValueError("a 容缺受理 commitment names its materials and the day they are due (due_on)")
        if not deferred and self.due_on is not None:
            raise ValueError("only a 容缺受理 commitment has a due_on")
        if deferred and self.status is CommitmentStatus.IN_FORCE:
            raise ValueError("a 容缺受理 commitment is pending, met or breached")
        if not deferred and self.status is not CommitmentStatus.IN_FORCE:
            raise ValueError("a general or specific commitment is in_force")
        if self.due_on is not None and self.due_on < self.signed_on:
            raise ValueError(f"due_on {self.due_on} is before signed_on {self.signed_on}")
        return self

    def overdue_on(self, day: dt.date) -> bool:
        """Pending past its deadline on ``day``: the materials were due on ``due_on`` at the latest."""
        return self.status is CommitmentStatus.PENDING and self.due_on is not None and day > self.due_on


def new_status(kind: CommitmentKind) -> CommitmentStatus:
    """The status a commitment is recorded in."""
    deferred = kind is CommitmentKind.DEFERRED_MATERIALS
    return CommitmentStatus.PENDING if deferred else CommitmentStatus.IN_FORCE


def move(status: CommitmentStatus, action: CommitmentAction) -> CommitmentStatus:
    """The status after ``action``; ``CommitmentError`` naming the allowed actions otherwise."""
    allowed = COMMITMENT_TRANSITIONS[status]
    if action not in allowed:
        raise CommitmentError(
            f"a {status.value} commitment cannot be {action.value}ed", sorted(a.value for a in allowed)
        )
    return allowed[action]


def confirm(commitment: Commitment, *, day: dt.date, by: str) -> Commitment:
    """Materials received on ``day``: met if not past ``due_on`` (a late delivery does not undo a breach)."""
    status = move(commitment.status, CommitmentAction.CONFIRM)
    if commitment.overdue_on(day):
        raise CommitmentError(
            f"the materials were due on {commitment.due_on}; on {day} the commitment is breached", ["breach"]
        )
    return commitment.model_copy(
        update={"status": status, "confirmed_on": day, "confirmed_by": by, "version": commitment.version + 1}
    )


def breach(commitment: Commitment, *, day: dt.date, entry_id: str) -> Commitment:
    """The deadline passed unconfirmed: breached on ``day``, recorded by the entry ``entry_id``."""
    status = move(commitment.status, CommitmentAction.BREACH)
    if not commitment.overdue_on(day):
        raise CommitmentError(
            f"the materials are due on {commitment.due_on}; not breached on {day}", ["confirm"]
        )
    return commitment.model_copy(
        update={
            "status": status,
            "breached_on": day,
            "breach_entry_id": entry_id,
            "version": commitment.version + 1,
        }
    )


def breach_entry_id(commitment_id: str) -> str:
    """The id of the entry recording a breach: one per commitment, so recording it twice is refused."""
    return f"CB-{commitment_id}"
