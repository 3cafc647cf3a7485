"""The clean-row path (``FileKind.parse_clean``) gives exactly what ``parse`` gives, or declines the row."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from pydantic import BaseModel

from graph_service.domain.identifiers import is_uscc_shaped, org_code_check_char, uscc_check_char
from loaders.cells import Cells, RowRejected
from loaders.csvio import Row
from loaders.formats.v1_relations import Branches, Practitioners, Roles
from loaders.formats.v1_shareholdings import Shareholdings
from loaders.formats.v1_subjects import Organizations, Persons
from loaders.memo import DomainIdentifiers, IdentifierMemo
from loaders.run import FileKind
from tests.factories import make_id_number, make_uscc

TODAY = dt.date(2026, 12, 1)
ORG = make_uscc(1)
OTHER = make_uscc(2)
PERSON = make_id_number(1, region="430104", birth="19840221")  # a known place of registration
FUTURE_BORN = make_id_number(5, region="430104", birth="20270101")  # valid, but born after TODAY
UNKNOWN_PLACE = make_id_number(6, region="990000")  # valid, with a warning (unknown place of registration)
_BODY = "91430923MA4L2B3C"
# A valid USCC whose embedded organisation code has the wrong check digit: accepted with a warning.
_BAD_ORG_CHECK = str((int(org_code_check_char("MA4L2B3C")) + 1) % 10)
WARNED_USCC = (
    _BODY[:8] + "MA4L2B3C" + _BAD_ORG_CHECK + uscc_check_char(_BODY[:8] + "MA4L2B3C" + _BAD_ORG_CHECK)
)

IDS = [PERSON, PERSON.lower(), FUTURE_BORN, UNKNOWN_PLACE, "非公示项", "430923********1011", "1234", None]
USCCS = [ORG, ORG.lower(), f" {ORG[:4]}-{ORG[4:]}", WARNED_USCC, ORG[:-1] + "0", "91430923", None]
DATES = [None, "2020-01-02", "2020-02-30", "2020/01/02", "2021-01-01"]
NAMES = [None, "张三", "x" * 101]


def _combinations(**columns: list[Any]) -> list[Row]:
    rows = []
    for values in itertools.product(*columns.values()):
        rows.append({k: v for k, v in zip(columns, values, strict=True) if v is not None})
    return rows


def _same(a: object, b: object) -> None:
    """Equal, field types included, and models with the same fields set (what a dump would show)."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, BaseModel):
        assert isinstance(b, BaseModel)
        assert a.__dict__ == b.__dict__, (a, b)
        assert [type(v) for v in a.__dict__.values()] == [type(v) for v in b.__dict__.values()]
        assert a.model_fields_set == b.model_fields_set
    elif hasattr(a, "__dataclass_fields__"):
        for field in a.__dataclass_fields__:
            _same(getattr(a, field), getattr(b, field))
    elif isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    else:
        assert a == b


def _check(kind: FileKind[Any], rows: list[Row]) -> int:
    """Every row the clean path takes, ``parse`` takes without a problem or warning, to the same value."""
    ids = IdentifierMemo()
    taken = 0
    for line, row in enumerate(rows, start=2):
        clean = kind.parse_clean(row, line, ids, TODAY)
        cells = Cells(dict(row), line, today=TODAY)
        try:
            parsed = kind.parse(cells)
        except RowRejected:
            assert clean is None, (row, clean)
            continue
        if clean is None:
            continue
        taken += 1
        assert cells.warnings == [], (row, cells.warnings)
        _same(clean, parsed)
    return taken


def test_clean_organisations_are_parsed_organisations() -> None:
    rows = _combinations(
        uscc=USCCS,
        name=NAMES,
        kind=[None, "social_org", "nonsense"],
        region=[None, "430900", "43090"],
        status=[None, "revoked"],
        established_on=DATES,
        industry=[None, "制造业"],
    )
    assert _check(Organizations("organizations.csv"), rows) > 100


def test_clean_persons_are_parsed_persons() -> None:
    rows = _combinations(id_number=IDS, name=NAMES, region=[None, "110101", "1101"], org_id=USCCS)
    assert _check(Persons("persons.csv"), rows) > 10


def test_clean_roles_are_parsed_roles() -> None:
    rows = _combinations(
        person_id=IDS,
        org_id=USCCS,
        role=["director", "legal_representative", "chef", None],
        title=[None, "董事长", "x" * 101],
        start_on=DATES,
        end_on=[None, "2019-01-01", "2021-01-01", "bad"],
        person_name=NAMES,
    )
    assert _check(Roles("roles.csv"), rows) > 100


def test_clean_practitioners_are_parsed_practitioners() -> None:
    rows = _combinations(
        person_id=IDS,
        org_id=USCCS,
        qualification=[None, "律师", "x" * 101],
        certificate_no=[None, "14305690176134"],
        start_on=DATES,
        end_on=[None, "2019-01-01"],
        person_name=NAMES,
    )
    assert _check(Practitioners("practitioners.csv"), rows) > 50


def test_clean_branches_are_parsed_branches() -> None:
    rows = _combinations(
        branch_id=[*USCCS, OTHER], parent_id=USCCS, start_on=DATES, end_on=[None, "2019-01-01"]
    )
    assert _check(Branches("branches.csv"), rows) > 10


def test_clean_shareholdings_are_parsed_shareholdings() -> None:
    holdings = Shareholdings("shareholdings.csv")
    rows = _combinations(
        holder_id=[PERSON, OTHER, OTHER.lower(), "非公示项", WARNED_USCC, UNKNOWN_PLACE, None],
        org_id=[ORG, WARNED_USCC, "bad", None],
        ratio=[None, "0.25", "1.5", "x", "1,000"],
        subscribed_amount=[None, "100", "-1", "y"],
        start_on=[None, "2020-01-02", "2020-02-30"],
        end_on=[None, "2021-01-01", "2019-01-01"],
        holder_name=[None, "李四"],
        holder_type=[None, "organization", "自然人", "robot"],
    )
    holdings.prepass(lambda: iter(enumerate(rows, start=2)))  # ratios derived from the amounts
    assert _check(holdings, rows) > 100


def test_clean_path_declines_what_warns_and_what_the_day_refuses() -> None:
    ids = IdentifierMemo()
    persons = Persons("persons.csv")
    assert persons.parse_clean({"id_number": UNKNOWN_PLACE, "name": "张三"}, 2, ids, TODAY) is None
    assert persons.parse_clean({"id_number": FUTURE_BORN, "name": "张三"}, 2, ids, TODAY) is None
    assert persons.parse_clean({"id_number": FUTURE_BORN, "name": "张三"}, 2, ids, dt.date(2030, 1, 1))
    organisations = Organizations("organizations.csv")
    assert organisations.parse_clean({"uscc": WARNED_USCC, "name": "x"}, 2, ids, TODAY) is None
    assert organisations.parse_clean({"uscc": ORG, "name": "x"}, 2, ids, TODAY) is not None


@pytest.mark.parametrize("kind", [Organizations, Persons, Roles, Shareholdings])
def test_clean_path_of_a_registry_sample_matches(kind: type[FileKind[Any]]) -> None:
    rows: dict[type[FileKind[Any]], list[Row]] = {
        Organizations: [
            {"uscc": ORG, "name": "安化县安诚物流有限公司", "kind": "enterprise", "status": "active"}
        ],
        Persons: [{"id_number": PERSON, "name": "杨凯"}],
        Roles: [
            {
                "person_id": PERSON,
                "org_id": ORG,
                "role": "director",
                "title": "副董事长",
                "start_on": "2024-07-19",
            }
        ],
        Shareholdings: [
            {
                "holder_id": OTHER,
                "org_id": ORG,
                "ratio": "0.1942",
                "subscribed_amount": "3.7189",
                "holder_type": "organization",
            }
        ],
    }
    assert _check(kind(f"{kind.kind}.csv"), rows[kind]) == 1


def test_memo_answers_what_the_domain_answers() -> None:
    ids = IdentifierMemo()
    all_digit_uscc = "12" + "430104" + "19840221" + "0"  # a public institution's all-digit code body
    values = [*filter(None, USCCS + IDS), all_digit_uscc + uscc_check_char(all_digit_uscc), f"~{ORG}~张三"]
    for value in values:
        ids.clean_uscc(value)  # seeds the keys of what it accepts
        ids.clean_id_number(value, TODAY)
    for value in values:
        assert ids.uscc_code(value) == DomainIdentifiers().uscc_code(value), value
        assert ids.key(value) == DomainIdentifiers().key(value), value
        assert ids.shaped(value) == is_uscc_shaped(value), value
        for seeded in (ids.clean_uscc(value), ids.clean_id_number(value, TODAY)):
            if seeded is not None:
                assert ids.key(seeded) == DomainIdentifiers().key(seeded), seeded
