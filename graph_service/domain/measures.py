"""The measures catalog (措施清单): which measures a list entry triggers, whom they reach, where they apply.

The catalog is data (``measures.yaml`` in this package, or a county's own file named by
``GRAPH_SERVICE_MEASURES_FILE``), validated by these models when loaded. Nothing here knows any measure by
name: the rules in :mod:`graph_service.domain.propagation` and :mod:`graph_service.domain.verdict` read
only the fields below.
"""

from __future__ import annotations

import weakref
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from graph_service.domain.model import CreditDomain, ListEntry, ListKind, RelationKind
from graph_service.errors import InvalidInput


class Scenario(StrEnum):
    """Check scenarios: the approval decisions a credit check is embedded in (应查必查)."""

    ADMINISTRATIVE_LICENSE = "administrative_license"
    PUBLIC_PROCUREMENT = "public_procurement"
    BIDDING = "bidding"
    FISCAL_FUNDS = "fiscal_funds"
    HONORS = "honors"
    FINANCIAL_MARKET = "financial_market"
    FRANCHISE = "franchise"
    HIGH_CONSUMPTION = "high_consumption"
    # Services for trustworthy individuals (安化县 二(二)3, 武汉市 (三): 教育、创业、就业、社会保障、城市入户)
    EDUCATION = "education"
    EMPLOYMENT = "employment"  # 就业、创业
    SOCIAL_SECURITY = "social_security"
    HOUSEHOLD_REGISTRATION = "household_registration"  # 城市入户
    INSPECTION = "inspection"  # planning 日常检查、专项检查: how often a subject is inspected


class MeasureKind(StrEnum):
    PUNISHMENT = "punishment"  # 惩戒措施
    INCENTIVE = "incentive"  # 激励措施
    RECORD = "record"  # 记入信用记录 (no check scenario; a fact on the person's record)


class TargetKind(StrEnum):
    SELF = "self"  # the listed subject itself
    ROLE = "role"  # holders of a role in the listed organisation on the act date
    RESPONSIBLE = "responsible"  # any person named as directly responsible (负有直接责任)


class Target(BaseModel):
    """Whom a measure reaches. ``direct_only``: the role holder must also be named directly responsible."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: TargetKind
    role: RelationKind | None = None
    direct_only: bool = False

    @model_validator(mode="after")
    def _role_iff_role_target(self) -> Target:
        if (self.kind is TargetKind.ROLE) != (self.role is not None):
            raise ValueError("a target names a role exactly when its kind is 'role'")
        return self

    @property
    def via(self) -> str:
        """How the target is named in answers: ``self``, the role, or ``responsible``."""
        return self.role.value if self.role is not None else self.kind.value


class Trigger(BaseModel):
    """Which entries trigger a measure: by list, and optionally only some domains (None = any)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lists: frozenset[ListKind]
    domains: frozenset[CreditDomain] | None = None

    def matches(self, list_kind: ListKind, domain: CreditDomain) -> bool:
        return list_kind in self.lists and (self.domains is None or domain in self.domains)


class SeedClause(BaseModel):
    """Where a measure comes from: the policy text and the clause, quoted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document: str
    clause: str


class Behaviour(BaseModel):
    """One item of the behaviour list (行为清单, 本溪市实施方案 (十六)): an act an entry may be decided for.

    "以省典型守信行为和严重失信行为清单…为基础，制定我市行为清单，明确行为清单的事项及依据": each item
    names the list its entries go on and, when it is confined to one, the domain.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$", max_length=40)
    name: str
    list: ListKind
    domains: frozenset[CreditDomain] | None = None
    source: SeedClause


class Measure(BaseModel):
    """One measure of the catalog."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    kind: MeasureKind = MeasureKind.PUNISHMENT
    mandatory: bool
    trigger: Trigger
    targets: tuple[Target, ...] = Field(min_length=1)
    scenarios: frozenset[Scenario] = frozenset()
    departments: tuple[str, ...] = ()
    source: SeedClause

    def governs(self, scenario: Scenario) -> bool:
        return scenario in self.scenarios


class ComplaintRouting(BaseModel):
    """Where complaints and reports from the public go (按责转办, 云浮市实施方案 (十四)), and how long the
    department has to close one (限时办结; 20 days, as for verifying contested information: 湖南省 (四)6)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default: str = "社会信用体系建设牵头部门"
    by_domain: dict[CreditDomain, str] = Field(default_factory=dict)
    due_days: int = Field(default=20, ge=1, le=365)
    source: SeedClause | None = None

    def department_for(self, domain: CreditDomain) -> str:
        """The department responsible for a complaint in ``domain``."""
        return self.by_domain.get(domain, self.default)


class RepeatedPenaltiesRule(BaseModel):
    """重点关注名单 from repeated minor violations: ``min_penalties`` administrative penalties decided
    within ``within_months`` put the subject on the watch list ("对…多次发生轻微失信行为相关主体列入重点关注
    名单", 武汉市实施方案 四(六)). The derived entry is decided by ``initiating_dept`` in ``domain`` and
    stays ``valid_months`` from the day the rule is met; a county sets all of these in its catalog.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    min_penalties: int = Field(default=3, ge=2, le=100)
    within_months: int = Field(default=12, ge=1, le=120)
    valid_months: int = Field(default=12, ge=1, le=120)
    domain: CreditDomain = CreditDomain.OTHER
    initiating_dept: str = Field(min_length=1, max_length=200)
    source: SeedClause


class Catalog(BaseModel):
    """A validated measures catalog."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    measures: tuple[Measure, ...]
    behaviours: tuple[Behaviour, ...] = ()  # the behaviour list beside the measures list (两个清单)
    repeated_penalties: RepeatedPenaltiesRule | None = None  # None: no watch entries derived from penalties
    complaint_routing: ComplaintRouting = ComplaintRouting()

    @model_validator(mode="after")
    def _unique_ids(self) -> Catalog:
        for what, ids in (("measure ids", [m.id for m in self.measures]), ("behaviour codes", self.codes)):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ValueError(f"{what} must be unique; repeated: {', '.join(duplicates)}")
        return self

    @property
    def codes(self) -> list[str]:
        """The behaviour list's codes, in catalog order."""
        return [b.code for b in self.behaviours]

    def behaviour(self, code: str) -> Behaviour:
        """The behaviour list's item ``code``; ``KeyError`` if the list has none."""
        for item in self.behaviours:
            if item.code == code:
                return item
        raise KeyError(code)

    def get(self, measure_id: str) -> Measure:
        """The measure ``measure_id``; ``KeyError`` if the catalog has none."""
        return _index_of(self).by_id[measure_id]

    def triggered_by(self, list_kind: ListKind, domain: CreditDomain) -> list[Measure]:
        """Measures an entry of this list and domain triggers, in catalog order."""
        return list(_index_of(self).triggered(list_kind, domain))

    @property
    def departments(self) -> list[str]:
        return sorted({d for m in self.measures for d in m.departments})


class _CatalogIndex:
    """A catalog's lookups, computed once: a check asks them for every entry and reach it meets.

    Hand-written beside the (frozen, immutable) catalog rather than as private attributes: those would take
    part in the model's equality, and two equal catalogs must stay equal whatever they were asked.
    """

    __slots__ = ("by_id", "measures", "_triggered")

    def __init__(self, catalog: Catalog) -> None:
        self.measures = catalog.measures
        self.by_id = {m.id: m for m in catalog.measures}
        self._triggered: dict[tuple[ListKind, CreditDomain], tuple[Measure, ...]] = {}

    def triggered(self, list_kind: ListKind, domain: CreditDomain) -> tuple[Measure, ...]:
        key = (list_kind, domain)
        found = self._triggered.get(key)
        if found is None:
            found = self._triggered[key] = tuple(
                m for m in self.measures if m.trigger.matches(list_kind, domain)
            )
        return found


# By object id, each with a weak reference to its catalog: a catalog's hash would hash every measure on
# each lookup, and an id is only trusted while the weak reference still names the same object.
_INDEXES: dict[int, tuple[weakref.ref[Catalog], _CatalogIndex]] = {}


def _index_of(catalog: Catalog) -> _CatalogIndex:
    held = _INDEXES.get(id(catalog))
    if held is not None and held[0]() is catalog:
        return held[1]
    index = _CatalogIndex(catalog)
    key = id(catalog)
    _INDEXES[key] = (weakref.ref(catalog, lambda _ref: _INDEXES.pop(key, None)), index)
    return index


def require_behaviour(catalog: Catalog, entry: ListEntry) -> Behaviour | None:
    """The behaviour list item ``entry`` names (None if it names none), checked against the entry.

    ``InvalidInput`` (422) naming the code if the catalog's behaviour list has no such item, or if the item
    belongs on another list or in other domains than the entry's (行为清单 fixes both, 本溪市 (十六)).
    """
    code = entry.behaviour_code
    if code is None:
        return None
    try:
        item = catalog.behaviour(code)
    except KeyError:
        known = ", ".join(catalog.codes) or "none: this catalog has no behaviour list"
        raise InvalidInput.for_field(
            "behaviour_code", code, f"not an item of the behaviour list (行为清单); known codes: {known}"
        ) from None
    if item.list is not entry.list:
        raise InvalidInput.for_field(
            "behaviour_code", code, f"{item.name}: a {item.list.value} list item, not {entry.list.value}"
        )
    if item.domains is not None and entry.domain not in item.domains:
        domains = ", ".join(sorted(d.value for d in item.domains))
        raise InvalidInput.for_field(
            "behaviour_code", code, f"{item.name}: an item of the domains {domains}, not {entry.domain.value}"
        )
    return item
