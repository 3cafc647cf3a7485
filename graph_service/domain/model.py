"""The credit graph's domain model: subjects, dated relations, list entries and their history.

Pure: imports only pydantic, the standard library and sibling domain modules. Every model is immutable;
a change is a new value. Dates are ``datetime.date``; relation validity is the half-open interval
``[start_on, end_on)`` — on ``end_on`` the holder no longer holds the role, which matches registry change
records where the successor's ``start_on`` is the predecessor's ``end_on``. Entry validity is the closed
interval ``[valid_from, valid_until]`` as the policy texts state it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Final, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from graph_service.domain.bounds import (
    SAFE_ID_PATTERN,
    SAFE_ID_RULE,
    BoundsError,
    check_not_before_1949,
    check_safe_id,
)
from graph_service.domain.identifiers import (
    IdentifierError,
    check_id_number,
    check_uscc,
    is_uscc_shaped,
    region_of_uscc,
)
from graph_service.domain.masked_ids import MASKED_DEBTOR_PREFIX, parse_masked_debtor_key
from graph_service.domain.pseudonyms import PSEUDONYM_PREFIX, is_pseudonymous_key

RegionCode = Annotated[str, Field(pattern=r"^\d{6}$", examples=["430923"])]


class OrgKind(StrEnum):
    ENTERPRISE = "enterprise"
    SOCIAL_ORG = "social_org"
    INSTITUTION = "institution"


class SubjectKind(StrEnum):
    ENTERPRISE = "enterprise"
    SOCIAL_ORG = "social_org"
    INSTITUTION = "institution"
    PERSON = "person"


class OrgStatus(StrEnum):
    ACTIVE = "active"
    DEREGISTERED = "deregistered"
    REVOKED = "revoked"


class RelationKind(StrEnum):
    """Relation types of the graph; also the allow-list for Neo4j relationship types."""

    LEGAL_REPRESENTATIVE = "legal_representative"  # 法定代表人
    PRINCIPAL = "principal"  # 主要负责人
    DIRECTOR = "director"  # 董事
    SUPERVISOR = "supervisor"  # 监事
    SENIOR_MANAGER = "senior_manager"  # 高级管理人员
    ACTUAL_CONTROLLER = "actual_controller"  # 实际控制人
    SHAREHOLDER = "shareholder"  # 股东
    PRACTITIONER = "practitioner"  # 注册执业人员
    BRANCH_OF = "branch_of"  # 分支机构 (branch -> parent organisation)

    @property
    def neo4j_type(self) -> str:
        return self.value.upper()


ROLE_KINDS: frozenset[RelationKind] = frozenset(
    {
        RelationKind.LEGAL_REPRESENTATIVE,
        RelationKind.PRINCIPAL,
        RelationKind.DIRECTOR,
        RelationKind.SUPERVISOR,
        RelationKind.SENIOR_MANAGER,
        RelationKind.ACTUAL_CONTROLLER,
    }
)


class ListKind(StrEnum):
    RED = "red"  # 红名单 (守信激励)
    BLACK = "black"  # 黑名单 (失信惩戒)
    WATCH = "watch"  # 重点关注名单
    ABNORMAL = "abnormal"  # 经营异常名录 (市场监管部门; 安化县 二(三)3, 湖南省 (三)3: 公示, 便于市场识别)


class CreditDomain(StrEnum):
    TAX = "tax"
    WORK_SAFETY = "work_safety"
    ENVIRONMENT = "environment"
    FOOD_DRUG = "food_drug"
    CONSTRUCTION = "construction"
    PUBLIC_RESOURCE_TRADING = "public_resource_trading"
    COURT_ENFORCEMENT = "court_enforcement"
    FINANCE = "finance"
    LABOR = "labor"
    OTHER = "other"


class EntryStatus(StrEnum):
    ACTIVE = "active"
    DISPUTED = "disputed"
    REPAIRED = "repaired"
    REVOKED = "revoked"
    SUSPENDED = "suspended"  # a red entry while a black entry of its subject is in force (exclusion.py)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def _uscc(value: str) -> str:
    try:
        code, _ = check_uscc(value)
    except IdentifierError as exc:
        raise ValueError(exc.reason) from exc
    return code


def _id_number(value: str) -> str:
    try:
        number, _ = check_id_number(value)
    except IdentifierError as exc:
        raise ValueError(exc.reason) from exc
    return number


def unresolved_person_key(org_uscc: str, name: str) -> str:
    """Key of a person known only by name within one organisation (never merged by name elsewhere)."""
    return f"~{org_uscc}~{name.strip()}"


def is_unresolved_key(key: str) -> bool:
    """Whether ``key`` is a person not known by ID number here: ``~<uscc>~<name>`` or a pseudonym."""
    return key.startswith("~")


STORED: Final[dict[str, bool]] = {"stored": True}
"""Validation context for rows read back from our own store (``Model.model_validate(row, context=STORED)``).

Identifiers were checked when the row was written, and re-checking every USCC and ID number dominated
restarts of the embedded store (~75 % of 78 s at 100k organisations) and reads from Neo4j. Types, enums
and defaults are still validated; only the identifier checksums are skipped.
"""


def from_store(info: ValidationInfo) -> bool:
    """Whether this validation is of a row our own store wrote (see :data:`STORED`)."""
    context = info.context
    return isinstance(context, dict) and context.get("stored") is True


def subject_key_unless_stored(_model: type[BaseModel], value: str, info: ValidationInfo) -> str:
    """Field validator (as a classmethod): :func:`subject_key`, skipped for rows read from our store."""
    return value if from_store(info) else subject_key(value)


# Every model that names a subject validates its key, and a load names each subject many times (its row,
# then each relation and entry): memoised like the identifier checks it calls. Errors are never cached.
@lru_cache(maxsize=65_536)
def subject_key(value: str) -> str:
    """Validate any subject key: a USCC, an ID number, an unresolved-person key, a pseudonymous person
    key (``~p~<kid>~<hex>``, a person a peer named by pseudonym; :mod:`graph_service.domain.pseudonyms`),
    or a masked court debtor's key (``~m~<masked ID>~<name>``; :mod:`graph_service.domain.masked_ids`)."""
    if is_pseudonymous_key(value):
        return value
    if value.startswith(PSEUDONYM_PREFIX):
        raise ValueError("a pseudonymous person key is ~p~<key id>~<64 lowercase hex digits>")
    if value.startswith(MASKED_DEBTOR_PREFIX):
        if parse_masked_debtor_key(value) is None:
            raise ValueError("a masked debtor's key is ~m~<masked 18-character ID>~<name>")
        return value
    if is_unresolved_key(value):
        _, org, name = value.split("~", 2)
        _uscc(org)
        if not name:
            raise ValueError("unresolved person key needs a name")
        return value
    if is_uscc_shaped(value):
        return _uscc(value)
    return _id_number(value)


class Organization(_Frozen):
    """An enterprise, social organisation or public institution, keyed by its USCC."""

    uscc: str = Field(examples=["91430923MA4L2B3C1J"])
    name: str = Field(min_length=1, max_length=200)
    kind: OrgKind = OrgKind.ENTERPRISE
    region: RegionCode | None = None
    status: OrgStatus = OrgStatus.ACTIVE
    established_on: dt.date | None = None
    industry: str | None = Field(default=None, max_length=100)

    @field_validator("uscc")
    @classmethod
    def _check_uscc(cls, value: str, info: ValidationInfo) -> str:
        return value if from_store(info) else _uscc(value)

    @model_validator(mode="after")
    def _default_region(self) -> Organization:
        if self.region is None:
            object.__setattr__(self, "region", region_of_uscc(self.uscc))
        return self

    @property
    def key(self) -> str:
        return self.uscc

    @property
    def subject_kind(self) -> SubjectKind:
        return SubjectKind(self.kind.value)


class Person(_Frozen):
    """A natural person. ``key`` is the ID number, or ``~<uscc>~<name>`` for an unresolved person."""

    key: str = Field(examples=["430923199001011014"])
    name: str = Field(min_length=1, max_length=100)
    region: RegionCode | None = None

    _check_key = field_validator("key")(classmethod(subject_key_unless_stored))

    @model_validator(mode="after")
    def _default_region(self) -> Person:
        if is_uscc_shaped(self.key):
            raise ValueError(
                "key: a person key must be an ID number or an unresolved-person key, "
                f"not a USCC (got {self.key!r})"
            )
        if self.region is None and not self.unresolved:
            object.__setattr__(self, "region", self.key[:6])
        return self

    @property
    def unresolved(self) -> bool:
        return is_unresolved_key(self.key)

    @property
    def id_number(self) -> str | None:
        return None if self.unresolved else self.key

    @property
    def subject_kind(self) -> SubjectKind:
        return SubjectKind.PERSON


Subject = Organization | Person


class Relation(_Frozen):
    """A dated relation ``source -> target`` (person or organisation -> organisation).

    Identity is ``(kind, source_id, target_id, start_on)``: re-upserting the same identity updates the
    other fields (closing a relation = the same identity with an ``end_on``); a change of role is a new
    relation, never an overwrite.
    """

    kind: RelationKind
    source_id: str
    target_id: str
    start_on: dt.date | None = None
    end_on: dt.date | None = None
    source: str | None = Field(default=None, description="Data source (file, feed) this relation came from")
    title: str | None = Field(
        default=None, max_length=100, description="Original title, e.g. 执行董事兼总经理"
    )
    ratio: float | None = Field(default=None, ge=0, le=1)
    subscribed_amount: float | None = Field(default=None, ge=0)
    qualification: str | None = Field(default=None, max_length=100)
    certificate_no: str | None = Field(default=None, max_length=100)

    _check_ids = field_validator("source_id", "target_id")(classmethod(subject_key_unless_stored))

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Relation:
        if from_store(info):
            return self
        if not is_uscc_shaped(self.target_id):
            raise ValueError(f"target_id of a relation must be an organisation USCC, got {self.target_id!r}")
        if self.kind is RelationKind.BRANCH_OF and not is_uscc_shaped(self.source_id):
            raise ValueError("source_id of branch_of must be an organisation USCC")
        if self.kind in ROLE_KINDS | {RelationKind.PRACTITIONER} and is_uscc_shaped(self.source_id):
            raise ValueError(
                f"source_id of {self.kind.value} must be a person, got a USCC {self.source_id!r}"
            )
        if self.start_on and self.end_on and self.end_on < self.start_on:
            raise ValueError(f"end_on {self.end_on} is before start_on {self.start_on}")
        if self.kind is RelationKind.PRACTITIONER and not self.qualification:
            raise ValueError("a practitioner relation needs a qualification")
        return self

    @property
    def identity(self) -> tuple[str, str, str, str]:
        return (
            self.kind.value,
            self.source_id,
            self.target_id,
            self.start_on.isoformat() if self.start_on else "",
        )

    @property
    def key(self) -> str:
        return "|".join(self.identity)

    def valid_on(self, day: dt.date) -> bool:
        """True if the relation held on ``day`` (half-open ``[start_on, end_on)``)."""
        return (self.start_on is None or self.start_on <= day) and (self.end_on is None or day < self.end_on)

    def other_end(self, subject_id: str) -> str:
        return self.target_id if subject_id == self.source_id else self.source_id


class ListEntry(_Frozen):
    """One list decision (red / black / watch) on one subject, with the persons directly responsible."""

    entry_id: str = Field(
        min_length=1,
        max_length=100,
        examples=["430923-B-2025-0001"],
        description=f"Pattern {SAFE_ID_PATTERN}: {SAFE_ID_RULE}",
    )
    subject_id: str
    list: ListKind
    domain: CreditDomain
    reason: str | None = Field(default=None, max_length=2000)
    act_on: dt.date | None = None
    decided_on: dt.date
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    initiating_dept: str = Field(min_length=1, max_length=200)
    basis: str | None = Field(default=None, max_length=200, description="Decision document number")
    behaviour_code: str | None = Field(
        default=None,
        max_length=40,
        examples=["SL-MARKET-TAX"],
        description="The behaviour list item (行为清单) the entry was decided for; the catalog resolves it",
    )
    source_region: RegionCode | None = None
    status: EntryStatus = EntryStatus.ACTIVE
    responsible_person_ids: tuple[str, ...] = ()
    version: int = Field(default=1, ge=1)

    _check_subject = field_validator("subject_id")(classmethod(subject_key_unless_stored))

    @field_validator("entry_id")
    @classmethod
    def _safe_entry_id(cls, value: str, info: ValidationInfo) -> str:
        """A safe id (letters, digits, ``._:-``); rows our store wrote earlier are read as they are."""
        if from_store(info):
            return value
        try:
            return check_safe_id("entry_id", value)
        except BoundsError as exc:
            raise ValueError(exc.reason) from exc

    @field_validator("act_on", "decided_on", "valid_from")
    @classmethod
    def _not_before_1949(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        """No decision of this registry predates 1949-10-01 (how far ahead is the services' rule: it
        needs today)."""
        if value is None or from_store(info):
            return value
        try:
            return check_not_before_1949(str(info.field_name), value)
        except BoundsError as exc:
            raise ValueError(exc.reason) from exc

    @field_validator("responsible_person_ids")
    @classmethod
    def _check_responsible(cls, values: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if from_store(info):
            return values
        checked = tuple(subject_key(v) for v in values)
        if any(is_uscc_shaped(v) for v in checked):
            raise ValueError("responsible_person_ids must name persons, not organisations")
        return tuple(dict.fromkeys(checked))

    @model_validator(mode="after")
    def _dates(self) -> ListEntry:
        if self.valid_from is None:
            object.__setattr__(self, "valid_from", self.decided_on)
        assert self.valid_from is not None
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError(f"valid_until {self.valid_until} is before valid_from {self.valid_from}")
        if self.act_on is not None and self.act_on > self.decided_on:
            raise ValueError(f"act_on {self.act_on} is after decided_on {self.decided_on}")
        return self

    @property
    def act_date(self) -> dt.date:
        """The date of the act: role holders on this day are the ones a measure reaches."""
        return self.act_on or self.decided_on

    def in_validity(self, day: dt.date) -> bool:
        """True if ``day`` lies in ``[valid_from, valid_until]``."""
        start = self.valid_from or self.decided_on
        return start <= day and (self.valid_until is None or day <= self.valid_until)

    def effective_on(self, day: dt.date) -> bool:
        """Enforced on ``day``: active and within validity."""
        return self.status is EntryStatus.ACTIVE and self.in_validity(day)

    def suspended_on(self, day: dt.date) -> bool:
        """Would be enforced on ``day`` but for a pending dispute."""
        return self.status is EntryStatus.DISPUTED and self.in_validity(day)


class StatusChange(_Frozen):
    """One recorded change of an entry's status (who, when, why)."""

    entry_id: str
    from_status: EntryStatus | None
    to_status: EntryStatus
    at: dt.datetime
    actor: str = Field(min_length=1)
    reason: str | None = None


class UpsertCounts(BaseModel):
    """What an idempotent batch upsert did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(
            created=self.created + other.created,
            updated=self.updated + other.updated,
            unchanged=self.unchanged + other.unchanged,
        )


class Step(_Frozen):
    """One hop of a path: the relation taken and the subject reached."""

    relation: Relation
    to_id: str


class Path(_Frozen):
    """A walk from ``start_id`` through relations; ``hops == len(steps)``."""

    start_id: str
    steps: tuple[Step, ...] = ()

    @property
    def end_id(self) -> str:
        return self.steps[-1].to_id if self.steps else self.start_id

    @property
    def hops(self) -> int:
        return len(self.steps)

    @property
    def subject_ids(self) -> list[str]:
        return [self.start_id, *(s.to_id for s in self.steps)]

    def extend(self, relation: Relation, to_id: str) -> Path:
        """This path one step further. Built without validation: ``relation`` is already a validated
        Relation and the rest comes from this (validated) path; a walk extends a path per subject reached.
        """
        step = unvalidated(Step, {"relation": relation, "to_id": to_id})
        return unvalidated(Path, {"start_id": self.start_id, "steps": (*self.steps, step)})


_M = TypeVar("_M", bound=BaseModel)


def unvalidated(cls: type[_M], values: dict[str, Any], fields_set: Iterable[str] | None = None) -> _M:
    """``cls.model_construct(**values)`` for values that are already valid and name every field.

    What ``model_construct`` ends with (``fields_set`` defaults to every field in ``values``), without its
    per-field default handling, which costs several times the object itself and measured slower than
    validating on these models. The one place the project builds a model without validation: a walk's
    paths, rows read back from our own stores (validated when written), and loaded rows that passed the
    model's own rules (``loaders/rows.py``).
    """
    instance = cls.__new__(cls)
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values if fields_set is None else fields_set))
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance


class Neighbourhood(_Frozen):
    """Subjects reached from ``origin_id`` within ``depth`` hops, one shortest path each."""

    origin_id: str
    depth: int
    paths: dict[str, Path]
    truncated: bool = False
    truncated_at: tuple[str, ...] = ()


class EntryFilter(_Frozen):
    """Which entries to return: by list, status, and/or relevance on a date."""

    lists: frozenset[ListKind] | None = None
    statuses: frozenset[EntryStatus] | None = None
    in_validity_on: dt.date | None = None


Direction = Literal["out", "in", "both"]
