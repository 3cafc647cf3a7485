"""Deterministic builders of valid domain rows for tests and benchmarks.

Every identifier is real: USCCs carry a correct GB 11714 organisation-code check character and a correct
GB 32100 check character, ID numbers a correct ISO 7064 MOD 11-2 check digit. The same ``n`` always gives
the same row, and different ``n`` give different keys, so tests can refer to ``make_org(3).uscc`` freely.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc

from graph_service.domain.identifiers import USCC_ALPHABET, org_code_check_char
from graph_service.domain.model import (
    CreditDomain,
    ListEntry,
    ListKind,
    Organization,
    Person,
    Relation,
    RelationKind,
    unresolved_person_key,
)

# Persons per birth date: the 3-digit sequence number of an ID number allows 1000 per day and place.
_PERSONS_PER_DAY = 1000
_ORG_SPACE = len(USCC_ALPHABET) ** 6


def make_uscc(n: int, region: str = "430923") -> str:
    """The USCC of test organisation ``n``: 91 (enterprise, market regulator) + region + org code + check."""
    if not 0 <= n < _ORG_SPACE:
        raise ValueError(f"organisation number must be in [0, {_ORG_SPACE}), got {n}")
    # "MA" + n in base 31: the letters keep the code USCC-shaped (an all-digit prefix reads as an ID number).
    digits: list[str] = []
    value = n
    for _ in range(6):
        value, rest = divmod(value, len(USCC_ALPHABET))
        digits.append(USCC_ALPHABET[rest])
    body = "MA" + "".join(reversed(digits))
    code17 = f"91{region}{body}{org_code_check_char(body)}"
    return code17 + stdnum_uscc.calc_check_digit(code17)


def make_id_number(n: int, region: str = "430923", birth: str = "19800101") -> str:
    """The ID number of test person ``n``.

    The birth date moves one day per 1000 persons and the sequence number is ``n % 1000``, so any ``n``
    gives a distinct, valid number.
    """
    if n < 0:
        raise ValueError(f"person number must be >= 0, got {n}")
    born = dt.datetime.strptime(birth, "%Y%m%d").date() + dt.timedelta(days=n // _PERSONS_PER_DAY)
    number17 = f"{region}{born:%Y%m%d}{n % _PERSONS_PER_DAY:03d}"
    # stdnum's ric.calc_check_digit expects the check position present and ignores it.
    return number17 + ric.calc_check_digit(number17 + "0")


def make_org(n: int, region: str = "430923", **kw: Any) -> Organization:
    """Organisation ``n`` registered in ``region``; keyword arguments override any field."""
    fields: dict[str, Any] = {"uscc": make_uscc(n, region), "name": f"测试企业{n}有限公司", "region": region}
    fields.update(kw)
    return Organization(**fields)


def make_person(n: int, region: str = "430923", birth: str = "19800101", **kw: Any) -> Person:
    """Person ``n`` with a valid ID number from ``region`` and ``birth``; ``kw`` overrides fields."""
    fields: dict[str, Any] = {"key": make_id_number(n, region, birth), "name": f"测试人员{n}"}
    fields.update(kw)
    return Person(**fields)


def make_unresolved_person(org: Organization | str, name: str, **kw: Any) -> Person:
    """A person known only by name within one organisation (key ``~<uscc>~<name>``)."""
    uscc = org if isinstance(org, str) else org.uscc
    fields: dict[str, Any] = {"key": unresolved_person_key(uscc, name), "name": name}
    fields.update(kw)
    return Person(**fields)


def make_relation(
    kind: RelationKind, source_id: str, target_id: str, start_on: dt.date | None = None, **kw: Any
) -> Relation:
    """A relation ``source -> target``; a practitioner relation gets a default qualification."""
    fields: dict[str, Any] = {
        "kind": kind,
        "source_id": source_id,
        "target_id": target_id,
        "start_on": start_on,
    }
    if kind is RelationKind.PRACTITIONER:
        fields.setdefault("qualification", "注册建造师")
    fields.update(kw)
    return Relation(**fields)


def make_entry(entry_id: str, subject_id: str, **kw: Any) -> ListEntry:
    """An active black-list tax entry decided on 2024-01-10 by the county tax bureau; ``kw`` overrides."""
    fields: dict[str, Any] = {
        "entry_id": entry_id,
        "subject_id": subject_id,
        "list": ListKind.BLACK,
        "domain": CreditDomain.TAX,
        "reason": "逾期未申报缴纳税款",
        "decided_on": dt.date(2024, 1, 10),
        "initiating_dept": "国家税务总局测试县税务局",
    }
    fields.update(kw)
    return ListEntry(**fields)
