"""Public listings (一站式查询): effective red and black entries, page by page, and one subject's.

The rule of what is public is :mod:`graph_service.domain.disclosure`; this module pages through the store
and shapes the answer so that nothing more than the published fields ever leaves it (no responsible
persons, no history, no tasks), whatever role asks.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from graph_service.domain.disclosure import PUBLIC_LISTS, public_filter, public_key
from graph_service.domain.model import CreditDomain, ListEntry, ListKind, Organization, Subject
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


class PublicEntryPage(BaseModel):
    entries: list[PublicEntry]
    next_cursor: str | None = Field(description="Pass as ``cursor`` for the next page; null on the last")


class PublicSubject(BaseModel):
    subject_id: str
    name: str
    kind: PublicKind
    entries: list[PublicEntry]


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
    """A subject with its published entries.

    ``NotFound`` for an unknown subject, and for a person with nothing published: the public learns
    nothing about whether a person is in the registry at all.
    """
    subject = store.get_subjects([subject_id]).get(subject_id)
    entries = store.entries_for([subject_id], public_filter(today)) if subject is not None else []
    if subject is None or (not isinstance(subject, Organization) and not entries):
        raise NotFound(f"no public record for subject {public_key(subject_id)!r}")
    return PublicSubject(
        subject_id=public_key(subject.key),
        name=subject.name,
        kind=_kind(subject),
        entries=[_public(entry, subject) for entry in entries],
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
