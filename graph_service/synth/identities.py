"""Synthetic persons and organisations as pure functions of (seed, index).

Streaming a million organisations must not keep them in memory, yet rows refer to persons and other
organisations by identifier. So everything another row may need — identifiers, names, regions, kinds —
is computed from the index alone with a seeded hash (splitmix64); only per-row choices use the run's
sequential ``random.Random(seed)``. Identifiers are unique by construction: an affine permutation of the
index over the identifier space (ID numbers: birth date x sequence number; USCCs: six base-31 characters of
the organisation code), never by "draw and check for collisions".
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache

from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc

from graph_service.domain.identifiers import USCC_ALPHABET, org_code_check_char
from graph_service.domain.model import OrgKind
from graph_service.synth import names
from graph_service.synth.regions import COUNTIES, County, id_prefix

_MASK = (1 << 64) - 1
# Every date is relative to this day, never to "today": the same seed writes the same files in any year.
REFERENCE_DATE = dt.date(2026, 1, 1)
EARLIEST_REGISTRATION = dt.date(1995, 1, 1)
BIRTH_FIRST = dt.date(1950, 1, 1)
BIRTH_DAYS = (dt.date(2003, 12, 31) - BIRTH_FIRST).days + 1
_ORG_SPACE = len(USCC_ALPHABET) ** 6
# Planted ownership structures repeat every this many organisations (see Registry._planted_holders).
STRUCTURE_PERIOD = 500
STRUCTURE_SIZE = 4

# (USCC registering-authority + kind characters, organisation kind, share in per mille)
_ORG_TYPES: tuple[tuple[str, OrgKind, int], ...] = (
    ("91", OrgKind.ENTERPRISE, 840),  # 工商 企业
    ("92", OrgKind.ENTERPRISE, 50),  # 个体工商户
    ("93", OrgKind.ENTERPRISE, 20),  # 农民专业合作社
    ("N2", OrgKind.ENTERPRISE, 6),  # 农业部门 登记 (the letter the issue says to accept)
    ("Y1", OrgKind.ENTERPRISE, 4),  # 其他
    ("51", OrgKind.SOCIAL_ORG, 15),  # 社会团体
    ("52", OrgKind.SOCIAL_ORG, 20),  # 民办非企业单位
    ("53", OrgKind.SOCIAL_ORG, 5),  # 基金会
    ("12", OrgKind.INSTITUTION, 40),  # 事业单位
)
_BODY_LETTERS = {OrgKind.ENTERPRISE: "MA", OrgKind.SOCIAL_ORG: "MJ", OrgKind.INSTITUTION: "MB"}


def splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


class Affine:
    """A permutation of ``range(n)``: ``i -> (a*i + b) mod n`` with ``gcd(a, n) == 1``."""

    def __init__(self, n: int, key: int) -> None:
        self.n = n
        a = (key % n) | 1
        while math.gcd(a, n) != 1:
            a += 2
        self.a = a
        self.b = splitmix64(key) % n

    def __call__(self, i: int) -> int:
        return (self.a * i + self.b) % self.n


@dataclass(frozen=True)
class SynthPerson:
    index: int
    id_number: str
    name: str
    born: dt.date
    male: bool
    county: County


@dataclass(frozen=True)
class SynthOrg:
    index: int
    uscc: str
    name: str
    kind: OrgKind
    type_code: str
    county: County
    industry: str
    parent: int | None  # a branch's parent organisation

    @property
    def has_shareholders(self) -> bool:
        return self.type_code in {"91", "93", "N2", "Y1"} and self.parent is None


class Identities:
    """The persons and organisations of one synthetic registry, by index."""

    def __init__(self, seed: int, orgs: int, persons: int) -> None:
        self.seed = seed
        self.orgs = orgs
        self.persons = persons
        self._person_perm = Affine(BIRTH_DAYS * 1000, splitmix64(seed ^ 0x5151))
        self._org_perm = Affine(_ORG_SPACE, splitmix64(seed ^ 0x0A0A))
        self._county_weights = _cumulative([c.weight for c in COUNTIES])
        self._type_weights = _cumulative([w for _, _, w in _ORG_TYPES])
        self.person = lru_cache(maxsize=65536)(self._person)
        self.org = lru_cache(maxsize=65536)(self._org)

    def hash(self, salt: int, index: int) -> int:
        return splitmix64(splitmix64(self.seed * 1_000_003 + salt) ^ index)

    def _choose(self, cumulative: list[int], salt: int, index: int) -> int:
        target = self.hash(salt, index) % cumulative[-1]
        lo, hi = 0, len(cumulative) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cumulative[mid] > target:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def county_of(self, salt: int, index: int) -> County:
        return COUNTIES[self._choose(self._county_weights, salt, index)]

    def _person(self, index: int) -> SynthPerson:
        slot = self._person_perm(index)
        born = BIRTH_FIRST + dt.timedelta(days=slot // 1000)
        sequence = slot % 1000
        county = self.county_of(11, index)
        body = f"{id_prefix(county, born.year)}{born:%Y%m%d}{sequence:03d}"
        male = sequence % 2 == 1  # the 17th digit: odd for men
        return SynthPerson(
            index, body + ric.calc_check_digit(body + "0"), self.person_name(index, male), born, male, county
        )

    def person_name(self, index: int, male: bool, salt: int = 12) -> str:
        h = self.hash(salt, index)
        # The smaller of two draws favours the frequent surnames at the front of the list.
        surname = names.SURNAMES[min(h % len(names.SURNAMES), (h >> 16) % len(names.SURNAMES))]
        given = names.MALE_GIVEN if male else names.FEMALE_GIVEN
        first = given[(h >> 32) % len(given)]
        second = given[(h >> 40) % len(given)] if (h >> 48) % 10 < 7 else ""
        return surname + first + second

    def _org(self, index: int) -> SynthOrg:
        planted = index % STRUCTURE_PERIOD < STRUCTURE_SIZE
        type_code, kind, _ = (
            _ORG_TYPES[0] if planted else _ORG_TYPES[self._choose(self._type_weights, 21, index)]
        )
        county = self.county_of(22, index)
        parent = self._branch_parent(index) if type_code == "91" and not planted else None
        body = self._org_body(kind, index)
        code17 = f"{type_code}{county.code}{body}{org_code_check_char(body)}"
        uscc = code17 + stdnum_uscc.calc_check_digit(code17)
        h = self.hash(23, index)
        industry, word = names.INDUSTRIES[h % len(names.INDUSTRIES)]
        trade = (
            names.TRADE_CHARS[(h >> 8) % len(names.TRADE_CHARS)]
            + names.TRADE_CHARS[(h >> 16) % len(names.TRADE_CHARS)]
        )
        if parent is not None:
            name = f"{self.org(parent).name}{county.name}分公司"
            industry = self.org(parent).industry
        elif type_code == "92":
            name = f"{county.name}{trade}{word}经营部"
        elif type_code in {"93", "N2"}:
            name, industry = f"{county.name}{trade}茶叶专业合作社", "农、林、牧、渔业"
        elif kind is OrgKind.SOCIAL_ORG:
            name, industry = f"{county.name}{trade}{names.SOCIAL_ORG_NAMES[(h >> 24) % 6]}", "社会组织"
        elif kind is OrgKind.INSTITUTION:
            name, industry = f"{county.name}{names.INSTITUTION_NAMES[(h >> 24) % 6]}", "公共管理和社会组织"
        else:
            name = f"{county.name}{trade}{word}有限公司"
        return SynthOrg(index, uscc, name, kind, type_code, county, industry, parent)

    def _org_body(self, kind: OrgKind, index: int) -> str:
        value = self._org_perm(index)
        digits = []
        for _ in range(6):
            value, rest = divmod(value, len(USCC_ALPHABET))
            digits.append(USCC_ALPHABET[rest])
        # The letters keep the code USCC-shaped: an all-digit one would read as an ID number.
        return _BODY_LETTERS[kind] + "".join(reversed(digits))

    def _branch_parent(self, index: int) -> int | None:
        """About 2 % of companies are branches (分公司) of an earlier company that is not a branch itself."""
        h = self.hash(24, index)
        if index < 20 or h % 100 >= 2:
            return None
        candidate = (h >> 8) % index
        for _ in range(20):
            if candidate % STRUCTURE_PERIOD < STRUCTURE_SIZE or self._is_plain_company(candidate):
                return candidate
            candidate = (candidate + 1) % index
        return None

    def _is_plain_company(self, index: int) -> bool:
        """A 91 company that is not a branch (without computing its own parent: no recursion)."""
        if _ORG_TYPES[self._choose(self._type_weights, 21, index)][0] != "91":
            return False
        return index < 20 or self.hash(24, index) % 100 >= 2

    def established(self, index: int) -> dt.date:
        """Registration date: mostly recent years, a long tail back to 1995; a branch after its parent."""
        h = self.hash(25, index)
        days = 30 + int(-2600 * math.log(1 - (h % 1_000_000) / 1_000_000))  # exponential, mean ~7 years
        day = REFERENCE_DATE - dt.timedelta(days=min(days, (REFERENCE_DATE - EARLIEST_REGISTRATION).days))
        parent = self.org(index).parent
        if parent is not None:
            day = max(day, min(self.established(parent) + dt.timedelta(days=30), REFERENCE_DATE))
        return day

    def authority_uscc(self, county: County) -> str:
        """A stable USCC for a county's government department (机关: 11 + region + code)."""
        body = "MB" + "".join(
            USCC_ALPHABET[(self.hash(31, int(county.code)) >> (5 * i)) % 31] for i in range(6)
        )
        code17 = f"11{county.code}{body}{org_code_check_char(body)}"
        return code17 + stdnum_uscc.calc_check_digit(code17)


def _cumulative(weights: list[int]) -> list[int]:
    total = 0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out
