"""Public listings (一站式查询): effective red and black entries, page by page, and one subject's.

The rule of what is public is :mod:`graph_service.domain.disclosure` (and, for administrative penalties,
:meth:`PenaltyRecord.published_on`: 云浮市 (十九)); this module pages through the store
and shapes the answer so that nothing more than the published fields ever leaves it (no responsible
persons, no history, no tasks), whatever role asks.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from graph_service.domain.disclosure import PUBLIC_LISTS, public_filter, public_key
from graph_service.domain.model import CreditDomain, ListEntry, ListKind, Organization, Subject
from graph_service.domain.penalty import PenaltyRecord
from graph_service.errors import NotFound
from graph_service.store.base import GraphStore

PublicKind = Literal["organization", "person"]


class PublicEntry(BaseModel):
    """One published entry: who (name, USCC or masked ID), which list, why, on what basis, since when."""

    entry_id: str
    subject_id: str = Field(
        description="USCC, or the person's ID number masked", examples=["91430923MA4L2B3C1J"]
    )
    subject_name: str = Field(examples=["测试企业1有限公司"])
    subject_kind: PublicKind
    list: ListKind
    domain: CreditDomain
    reason: str | None
    basis: str | None = Field(description="Decision document number")
    initiating_dept: str = Field(description="The department that listed it (谁主管、谁提供、谁负责)")
    decided_on: dt.date
    valid_from: dt.date | None
    valid_until: dt.date | None


class PublicPenalty(BaseModel):
    """One published administrative penalty (行政处罚, 双公示): the decision, not the case file."""

    decision_number: str = Field(description="行政处罚决定书文号", examples=["安市监处罚〔2025〕12号"])
    violation_type: str | None = Field(description="违法行为类型")
    violation_facts: str | None = Field(description="违法事实")
    legal_basis: str | None = Field(description="处罚依据")
    penalty_categories: list[str] = Field(description="处罚类别", examples=[["罚款"]])
    penalty_content: str | None = Field(description="处罚内容")
    fine_amount: float | None = Field(description="罚款金额 in 万元")
    decided_on: dt.date
    authority: str = Field(description="处罚机关")


class PublicEntryPage(BaseModel):
    entries: list[PublicEntry]
    next_cursor: str | None = Field(description="Pass as ``cursor`` for the next page; null on the last")


class PublicSubject(BaseModel):
    subject_id: str
    name: str
    kind: PublicKind
    entries: list[PublicEntry]
    penalties: list[PublicPenalty] = Field(default_factory=list, description="Published, oldest first")


def public_entries(
    store: GraphStore,
    *,
    today: dt.date,
    limit: int,
    cursor: str | None = None,
    list_kind: ListKind | None = None,
) -> PublicEntryPage:
    """One page of the entries published on ``today``, by entry id, after ``cursor``."""
    lists = PUBLIC_LISTS if list_kind is None else frozenset({list_kind})
    page = store.list_entries(public_filter(today, lists), after=cursor, limit=limit)
    subjects = store.get_subjects(sorted({entry.subject_id for entry in page}))
    entries = [_public(entry, subjects[entry.subject_id]) for entry in page if entry.subject_id in subjects]
    full = limit > 0 and len(page) == limit
    return PublicEntryPage(entries=entries, next_cursor=page[-1].entry_id if full else None)


def public_subject(store: GraphStore, subject_id: str, *, today: dt.date) -> PublicSubject:
    """A subject with its published entries and administrative penalties.

    ``NotFound`` for an unknown subject, and for a person with nothing published: the public learns
    nothing about whether a person is in the registry at all.
    """
    subject = store.get_subjects([subject_id]).get(subject_id)
    entries = store.entries_for([subject_id], public_filter(today)) if subject is not None else []
    recorded = store.penalties_for([subject_id]) if subject is not None else []
    penalties = sorted(
        (p for p in recorded if p.published_on(today)), key=lambda p: (p.decided_on, p.decision_number)
    )
    if subject is None or (not isinstance(subject, Organization) and not entries and not penalties):
        raise NotFound(f"no public record for subject {public_key(subject_id)!r}")
    return PublicSubject(
        subject_id=public_key(subject.key),
        name=subject.name,
        kind=_kind(subject),
        entries=[_public(entry, subject) for entry in entries],
        penalties=[_public_penalty(p) for p in penalties],
    )


def _public_penalty(penalty: PenaltyRecord) -> PublicPenalty:
    return PublicPenalty(
        decision_number=penalty.decision_number,
        violation_type=penalty.violation_type,
        violation_facts=penalty.violation_facts,
        legal_basis=penalty.legal_basis,
        penalty_categories=list(penalty.penalty_categories),
        penalty_content=penalty.penalty_content,
        fine_amount=penalty.fine_amount,
        decided_on=penalty.decided_on,
        authority=penalty.authority,
    )


def _kind(subject: Subject) -> PublicKind:
    return "organization" if isinstance(subject, Organization) else "person"


def _public(entry: ListEntry, subject: Subject) -> PublicEntry:
    return PublicEntry(
        entry_id=entry.entry_id,
        subject_id=public_key(subject.key),
        subject_name=subject.name,
        subject_kind=_kind(subject),
        list=entry.list,
        domain=entry.domain,
        reason=public_key(entry.reason) if entry.reason else None,
        basis=entry.basis,
        initiating_dept=entry.initiating_dept,
        decided_on=entry.decided_on,
        valid_from=entry.valid_from,
        valid_until=entry.valid_until,
    )
