"""The subject profile: who it is, its relations (current and past), entries, administrative penalties,
measures reaching it and why."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from graph_service.domain.identifiers import normalise_key
from graph_service.domain.measures import Catalog
from graph_service.domain.model import (
    EntryStatus,
    ListEntry,
    Organization,
    Person,
    RelationKind,
    StatusChange,
)
from graph_service.domain.penalty import PenaltyRecord
from graph_service.domain.propagation import (
    Reach,
    is_personal_credit_record,
    reaches_of_self,
    reaches_via_link,
)
from graph_service.errors import NotFound
from graph_service.services.checks.models import EntryBrief, MeasureApplied, SubjectRef
from graph_service.services.checks.related_party import entry_brief, measure_applied, subject_ref
from graph_service.store.base import GraphStore


class RelationView(BaseModel):
    role: RelationKind
    source_id: str
    source_name: str | None = None
    target_id: str
    target_name: str | None = None
    start_on: dt.date | None = None
    end_on: dt.date | None = None
    current: bool = Field(description="Held on the profile date")
    title: str | None = None
    ratio: float | None = None
    subscribed_amount: float | None = None
    qualification: str | None = None
    certificate_no: str | None = None


class EntryView(EntryBrief):
    reason: str | None = None
    basis: str | None = None
    act_on: dt.date | None = None
    decided_on: dt.date
    responsible_person_ids: list[str] = Field(default_factory=list)
    effective: bool
    history: list[StatusChange] = Field(default_factory=list)


class ReachView(MeasureApplied):
    state: str = Field(
        description="effective, or suspended while a dispute is verified", examples=["effective"]
    )
    scenarios: list[str] = Field(default_factory=list)


class PersonalRecordView(BaseModel):
    """A personal credit record (记入个人信用记录): an entry on an organisation that reaches this person."""

    entry: EntryBrief
    org_id: str | None
    roles_on_act_date: list[RelationKind]
    responsible: bool
    measures: list[MeasureApplied]


class SubjectProfile(BaseModel):
    subject: SubjectRef
    organization: Organization | None = None
    as_of: dt.date
    relations: list[RelationView]
    entries: list[EntryView]
    measures: list[ReachView]
    personal_records: list[PersonalRecordView]
    penalties: list[PenaltyRecord] = Field(
        default_factory=list,
        description="Administrative penalties (行政处罚, 双公示) decided by the profile date, oldest first",
    )


def subject_profile(
    store: GraphStore, catalog: Catalog, subject_id: str, *, as_of: dt.date, with_history: bool
) -> SubjectProfile:
    """Everything known about one subject on ``as_of``; ``with_history`` adds entries' status history."""
    with store.reading():
        return _profile(store, catalog, subject_id, as_of=as_of, with_history=with_history)


def _profile(
    store: GraphStore, catalog: Catalog, subject_id: str, *, as_of: dt.date, with_history: bool
) -> SubjectProfile:
    key = normalise_key(subject_id)
    subject = store.get_subjects([key]).get(key)
    if subject is None:
        raise NotFound(f"subject_id: no subject {subject_id!r} in the credit graph")
    relations = store.relations_of(key, as_of=None)
    names = store.get_subjects({r.source_id for r in relations} | {r.target_id for r in relations})
    relation_views = [
        RelationView(
            role=r.kind,
            source_id=r.source_id,
            source_name=_name(names, r.source_id),
            target_id=r.target_id,
            target_name=_name(names, r.target_id),
            start_on=r.start_on,
            end_on=r.end_on,
            current=r.valid_on(as_of),
            title=r.title,
            ratio=r.ratio,
            subscribed_amount=r.subscribed_amount,
            qualification=r.qualification,
            certificate_no=r.certificate_no,
        )
        for r in relations
    ]
    entries = store.entries_for([key])
    reaches: list[ReachView] = []
    for entry in entries:
        reaches += _reach_views(catalog, entry, reaches_of_self(entry, catalog), as_of)
    records: list[PersonalRecordView] = []
    if isinstance(subject, Person):
        links = store.links_for([key])
        linked = store.get_entries(sorted({link.entry_id for link in links}))
        for link in links:
            linked_entry = linked.get(link.entry_id)
            if linked_entry is None:
                continue
            via_link = reaches_via_link(linked_entry, link, catalog)
            reaches += _reach_views(catalog, linked_entry, via_link, as_of)
            if is_personal_credit_record(link, linked_entry, catalog):
                records.append(
                    PersonalRecordView(
                        entry=entry_brief(linked_entry),
                        org_id=link.org_id,
                        roles_on_act_date=list(link.roles),
                        responsible=link.responsible,
                        measures=[measure_applied(r, catalog) for r in via_link],
                    )
                )
    return SubjectProfile(
        subject=subject_ref(key, subject),
        organization=subject if isinstance(subject, Organization) else None,
        as_of=as_of,
        relations=relation_views,
        entries=[_entry_view(store, e, as_of, with_history) for e in entries],
        measures=reaches,
        personal_records=records,
        penalties=sorted(
            (p for p in store.penalties_for([key]) if p.decided_on <= as_of),
            key=lambda p: (p.decided_on, p.decision_number),
        ),
    )


def _name(subjects: dict[str, Organization | Person], key: str) -> str | None:
    s = subjects.get(key)
    return s.name if s else None


def _reach_views(catalog: Catalog, entry: ListEntry, reaches: list[Reach], as_of: dt.date) -> list[ReachView]:
    if entry.effective_on(as_of):
        state = "effective"
    elif entry.suspended_on(as_of):
        state = "suspended"
    else:
        return []
    return [
        ReachView(
            **measure_applied(r, catalog).model_dump(),
            state=state,
            scenarios=sorted(s.value for s in catalog.get(r.measure_id).scenarios),
        )
        for r in reaches
    ]


def _entry_view(store: GraphStore, entry: ListEntry, as_of: dt.date, with_history: bool) -> EntryView:
    return EntryView(
        **entry_brief(entry).model_dump(),
        reason=entry.reason,
        basis=entry.basis,
        act_on=entry.act_on,
        decided_on=entry.decided_on,
        responsible_person_ids=list(entry.responsible_person_ids),
        effective=entry.effective_on(as_of) and entry.status is EntryStatus.ACTIVE,
        history=store.entry_history(entry.entry_id) if with_history else [],
    )
