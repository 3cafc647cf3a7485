"""Result models of the related-party check: the contract approval systems rely on.

They are the API's response models too (one definition), so field names are the public contract.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from graph_service.domain.bounds import EARLIEST_AS_OF, LATEST_AS_OF, BoundsError, check_as_of
from graph_service.domain.measures import Scenario
from graph_service.domain.model import CreditDomain, EntryStatus, ListKind, SubjectKind
from graph_service.domain.verdict import Verdict


class SubjectRef(BaseModel):
    id: str = Field(examples=["91430923MA4L2B3C1J"])
    name: str | None = Field(default=None, examples=["安化县某某茶业有限公司"])
    kind: SubjectKind | None = None
    region: str | None = Field(default=None, examples=["430923"])
    known: bool = True
    unresolved: bool = Field(default=False, description="A person known only by name within one organisation")


class MeasureApplied(BaseModel):
    # Frozen: a hub person's measures are built once and shared by the answers that reach them
    # (graph_service.services.checks.held_reaches).
    model_config = ConfigDict(frozen=True)

    measure: str = Field(examples=["market_ban"])
    name: str = Field(examples=["市场和行业禁入"])
    kind: str = Field(examples=["punishment"])
    mandatory: bool
    entry_id: str
    via: str = Field(
        description="self, the role it reached the person through, or responsible", examples=["self"]
    )
    org_id: str | None = Field(
        default=None, description="The listed organisation a person was reached through"
    )


class PathSubject(BaseModel):
    type: Literal["subject"] = "subject"
    id: str
    name: str | None = None
    kind: SubjectKind | None = None


class PathRelation(BaseModel):
    type: Literal["relation"] = "relation"
    role: str = Field(examples=["legal_representative"])
    source_id: str
    target_id: str
    start_on: dt.date | None = None
    end_on: dt.date | None = None
    title: str | None = None
    ratio: float | None = None


PathElement = PathSubject | PathRelation


class EntryBrief(BaseModel):
    model_config = ConfigDict(frozen=True)  # shared as MeasureApplied is

    entry_id: str
    list: ListKind
    domain: CreditDomain
    status: EntryStatus
    source_region: str | None = None
    initiating_dept: str | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None


class Hit(BaseModel):
    subject_id: str
    name: str | None = None
    kind: SubjectKind | None = None
    region: str | None = None
    cross_region: bool = Field(
        description="A decision behind the hit comes from another region than the checked subject's "
        "(the entry's source region; the listed subject's region when unset)"
    )
    hops: int
    path: list[PathElement]
    entries: list[EntryBrief] = Field(default_factory=list)
    measures: list[MeasureApplied] = Field(default_factory=list)


class SuspendedEntry(BaseModel):
    entry_id: str
    subject_id: str
    list: ListKind
    domain: CreditDomain
    source_region: str | None = None


class CheckRequest(BaseModel):
    """One check: who applies, for what decision, how far to look, on which date."""

    subject_id: str = Field(min_length=1, max_length=100, examples=["91430923MA4L2B3C1J"])
    scenario: Scenario = Field(examples=["bidding"])
    depth: int = Field(default=2, ge=1, le=4)
    as_of: dt.date | None = Field(
        default=None,
        description=f"Check date, default today; from {EARLIEST_AS_OF} to {LATEST_AS_OF}",
        examples=["2026-11-23"],
    )
    include_history: bool = Field(default=False, description="Walk ended relations too")

    @field_validator("as_of")
    @classmethod
    def _as_of_in_window(cls, value: dt.date | None) -> dt.date | None:
        try:
            return check_as_of("as_of", value)
        except BoundsError as exc:
            raise ValueError(exc.reason) from exc


class PossibleMatch(BaseModel):
    """A court debtor published with a masked ID that the checked person's name and ID fit.

    Fitting is evidence, never identity (the list hides the birth month and day): it makes the verdict
    ``review``, never ``block``, so a person checks before relying on it.
    """

    subject_id: str = Field(description="The debtor as published: ~m~<masked ID>~<name>")
    name: str
    entries: list[EntryBrief]
    reason: str


class CheckResult(BaseModel):
    check_id: str
    as_of: dt.date
    scenario: Scenario
    subject: SubjectRef
    verdict: Verdict
    green_channel: bool
    measures: list[MeasureApplied]
    hits: list[Hit]
    suspended: list[SuspendedEntry]
    truncated: bool
    data_version: int
    note: str | None = None
    possible_matches: list[PossibleMatch] = Field(
        default_factory=list,
        description="Court debtors published with a masked ID that this person's name and ID fit (review)",
    )
