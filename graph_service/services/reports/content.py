"""What a credit report says: the subject, its lists, penalties, commitments, the measures reaching it and
why, and the persons with their roles — everything as of one date, from one data version.

Built from the same reads as the subject profile (:mod:`graph_service.services.explore.profile`), so a
report never says something a check would not. Clauses: 安化县实施意见 二(一)3 and 二(二)3 (信用记录和
信用报告), 云浮市实施方案 (二十一) (信用信息查询和信用报告使用).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from graph_service.domain.commitments import CommitmentKind, CommitmentStatus
from graph_service.domain.measures import Catalog
from graph_service.domain.model import CreditDomain, EntryStatus, ListKind, RelationKind
from graph_service.services.checks.models import SubjectRef
from graph_service.services.explore.profile import SubjectProfile, subject_profile
from graph_service.store.base import GraphStore


class ReportEntry(BaseModel):
    entry_id: str
    list: ListKind
    domain: CreditDomain
    status: EntryStatus
    effective: bool = Field(description="Enforced on the report date")
    decided_on: dt.date
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    initiating_dept: str | None = None
    basis: str | None = None
    behaviour: str | None = Field(
        default=None, description="The behaviour list item (行为清单): code and name"
    )
    reason: str | None = None


class ReportPenalty(BaseModel):
    decision_number: str
    authority: str
    decided_on: dt.date
    categories: list[str] = Field(default_factory=list)
    content: str | None = None
    valid_until: dt.date | None = None


class ReportCommitment(BaseModel):
    commitment_id: str
    kind: CommitmentKind
    status: CommitmentStatus
    text: str
    department: str
    signed_on: dt.date
    due_on: dt.date | None = None
    breach_entry_id: str | None = None


class ReportMeasure(BaseModel):
    measure: str
    name: str
    kind: str
    state: str = Field(description="effective, or suspended while a dispute is verified")
    entry_id: str
    via: str = Field(description="self, the role it reached the subject through, or responsible")
    org_id: str | None = None
    scenarios: list[str] = Field(default_factory=list)
    basis: str = Field(description="The policy document and clause the measure comes from")


class ReportPerson(BaseModel):
    """A role held on the report date: who holds it in which organisation."""

    role: RelationKind
    person_id: str
    person_name: str | None = None
    org_id: str
    org_name: str | None = None
    start_on: dt.date | None = None
    title: str | None = None


class CreditReport(BaseModel):
    """The content of one issued credit report (its digest is taken over exactly this)."""

    report_no: str
    as_of: dt.date
    data_version: int
    issued_by: str
    issued_at: dt.datetime
    subject: SubjectRef
    organization_status: str | None = None
    entries: list[ReportEntry]
    penalties: list[ReportPenalty]
    commitments: list[ReportCommitment]
    measures: list[ReportMeasure]
    persons: list[ReportPerson]
    catalog_version: str


def build_report(
    store: GraphStore,
    catalog: Catalog,
    subject_id: str,
    *,
    as_of: dt.date,
    report_no: str,
    issued_by: str,
    issued_at: dt.datetime,
) -> CreditReport:
    """The report of ``subject_id`` on ``as_of``, all reads in one store transaction (one data version).

    Records decided after ``as_of`` are left out; ``NotFound`` if the subject is not stored.
    """
    with store.reading():
        profile = subject_profile(store, catalog, subject_id, as_of=as_of, with_history=False)
        key = profile.subject.id
        penalties = [p for p in store.penalties_for([key]) if p.decided_on <= as_of]
        commitments = [c for c in store.get_commitments(subject_id=key) if c.signed_on <= as_of]
        behaviours = {e.entry_id: e.behaviour_code for e in store.entries_for([key]) if e.behaviour_code}
        version = store.data_version()
    return CreditReport(
        report_no=report_no,
        as_of=as_of,
        data_version=version,
        issued_by=issued_by,
        issued_at=issued_at,
        subject=profile.subject,
        organization_status=profile.organization.status.value if profile.organization else None,
        entries=_entries(profile, as_of, {k: _behaviour(catalog, code) for k, code in behaviours.items()}),
        penalties=[
            ReportPenalty(
                decision_number=p.decision_number,
                authority=p.authority,
                decided_on=p.decided_on,
                categories=list(p.penalty_categories),
                content=p.penalty_content,
                valid_until=p.valid_until,
            )
            for p in sorted(penalties, key=lambda p: (p.decided_on, p.decision_number))
        ],
        commitments=[
            ReportCommitment(
                commitment_id=c.commitment_id,
                kind=c.kind,
                status=c.status,
                text=c.text,
                department=c.department,
                signed_on=c.signed_on,
                due_on=c.due_on,
                breach_entry_id=c.breach_entry_id,
            )
            for c in commitments
        ],
        measures=[
            ReportMeasure(
                measure=m.measure,
                name=m.name,
                kind=m.kind,
                state=m.state,
                entry_id=m.entry_id,
                via=m.via,
                org_id=m.org_id,
                scenarios=m.scenarios,
                basis=f"{catalog.get(m.measure).source.document}：{catalog.get(m.measure).source.clause}",
            )
            for m in profile.measures
        ],
        persons=_persons(profile),
        catalog_version=catalog.version,
    )


def _behaviour(catalog: Catalog, code: str) -> str:
    try:
        return f"{code} {catalog.behaviour(code).name}"
    except KeyError:  # decided under another catalog (a peer's entry): show the code as it came
        return code


def _entries(profile: SubjectProfile, as_of: dt.date, behaviours: dict[str, str]) -> list[ReportEntry]:
    return [
        ReportEntry(
            entry_id=e.entry_id,
            list=e.list,
            domain=e.domain,
            status=e.status,
            effective=e.effective,
            decided_on=e.decided_on,
            valid_from=e.valid_from,
            valid_until=e.valid_until,
            initiating_dept=e.initiating_dept,
            basis=e.basis,
            behaviour=behaviours.get(e.entry_id),
            reason=e.reason,
        )
        for e in sorted(profile.entries, key=lambda e: (e.decided_on, e.entry_id))
        if e.decided_on <= as_of
    ]


def _persons(profile: SubjectProfile) -> list[ReportPerson]:
    """Roles held on the report date, by persons in the organisation or by the person elsewhere."""
    held = [r for r in profile.relations if r.current and r.role is not RelationKind.BRANCH_OF]
    return [
        ReportPerson(
            role=r.role,
            person_id=r.source_id,
            person_name=r.source_name,
            org_id=r.target_id,
            org_name=r.target_name,
            start_on=r.start_on,
            title=r.title,
        )
        for r in sorted(held, key=lambda r: (r.target_id, r.role.value, r.source_id))
    ]
