"""One normaliser for typed identifiers, masking of IDs in free text, safe ids, date windows, CSV cells."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from graph_service.domain.bounds import (
    BoundsError,
    check_as_of,
    check_decision_day,
    check_safe_id,
    is_safe_id,
)
from graph_service.domain.identifiers import (
    IdentifierError,
    check_id_number,
    check_subject_key,
    is_uscc_shaped,
    mask_id_numbers_in_text,
    normalise,
    normalise_key,
)
from graph_service.services.masking import mask_payload
from graph_service.services.workflow.report import write_report
from graph_service.services.workflow.stats import (
    DepartmentStats,
    DisputeStats,
    EntryStats,
    RepairStats,
    Stats,
    TaskStats,
)
from graph_service.spreadsheet import safe_cell
from loaders.csvio import IssueWriter
from tests.contract.builders import uscc_with_prefix
from tests.factories import make_id_number, make_uscc

USCC = make_uscc(7)
ID = make_id_number(5, birth="19960829")
MASKED = ID[:6] + "*" * 8 + ID[14:]
FULL_WIDTH = str.maketrans(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ",
)


@pytest.mark.parametrize(
    "typed",
    [
        f"{USCC[:4]}-{USCC[4:8]}-{USCC[8:]}",
        USCC.lower(),
        USCC.translate(FULL_WIDTH),
        f"{USCC[:6]}\u200b{USCC[6:]}",
        f"\ufeff {USCC[:9]}\u3000{USCC[9:]} ",
        f"{USCC[:5]}\u2014{USCC[5:]}",
    ],
    ids=["hyphens", "lowercase", "full-width", "zero-width-space", "bom-and-ideographic-space", "em-dash"],
)
def test_every_typed_form_of_a_uscc_normalises_to_the_stored_key(typed: str) -> None:
    assert normalise(typed) == USCC, typed
    assert normalise_key(typed) == USCC, typed
    assert check_subject_key(typed) == USCC, typed


def test_an_unresolved_person_key_keeps_its_name_and_normalises_its_uscc() -> None:
    key = f"~{USCC.lower()}~ 张三 "

    assert normalise_key(key) == f"~{USCC}~张三"
    assert check_subject_key(key) == f"~{USCC}~张三"


def test_a_wrong_check_character_names_the_expected_one() -> None:
    wrong = USCC[:17] + ("0" if USCC[17] != "0" else "1")

    with pytest.raises(IdentifierError) as caught:
        check_subject_key(wrong)

    assert f"expected {USCC[17]}" in caught.value.reason, caught.value.reason


def test_the_birth_date_bound_is_the_callers_day_not_the_clock() -> None:
    born_2005 = make_id_number(3, birth="20050101")

    assert check_id_number(born_2005)[0] == born_2005, "without a day there is no future bound"
    assert check_id_number(born_2005, today=dt.date(2026, 1, 1))[0] == born_2005
    with pytest.raises(IdentifierError, match="impossible birth date"):
        check_id_number(born_2005, today=dt.date(2004, 12, 31))


@pytest.mark.parametrize(
    "text",
    [
        f"身份证号{ID}，已核实",
        f"ID{ID}",
        f"{ID}号",
        f"{ID[:6]} {ID[6:14]} {ID[14:]}",
        f"{ID[:6]}-{ID[6:14]}-{ID[14:]}",
        f"{ID[:3]} {ID[3:6]}  {ID[6:10]} {ID[10:14]}-{ID[14:]}",
        ID.translate(FULL_WIDTH),
        f"{ID[:9]}\u200b{ID[9:]}",
        f"tel 1{ID}",
    ],
    ids=[
        "chinese-around",
        "letters-before",
        "chinese-after",
        "spaces",
        "hyphens",
        "mixed-gaps",
        "full-width",
        "zero-width",
        "digit-before",
    ],
)
def test_an_id_number_is_masked_however_it_was_typed(text: str) -> None:
    masked = mask_id_numbers_in_text(text)

    assert MASKED in masked, masked
    assert ID[6:14] not in normalise(masked), masked
    assert mask_payload({"note": text}) == {"note": masked}


def test_an_id_number_ending_in_a_lowercase_x_is_masked() -> None:
    with_x = next(make_id_number(n) for n in range(1000) if make_id_number(n).endswith("X"))
    typed = f"负责人{with_x[:-1]}x"

    masked = mask_id_numbers_in_text(typed)

    assert with_x[6:14] not in masked and masked.endswith("*" * 8 + with_x[14:17] + "X"), masked


def test_a_mistyped_id_number_is_masked_too() -> None:
    wrong_check = ID[:17] + ("0" if ID[17] != "0" else "1")

    assert wrong_check[6:14] not in mask_id_numbers_in_text(f"号码{wrong_check}")


@pytest.mark.parametrize(
    "text",
    [
        "check 8f313defb4004143be112579257e5258",
        "12345678901234567890123",  # digits, but no birth date in characters 7-14
        "2024-01-10 to 2026-11-23, version 12",
        USCC,
    ],
)
def test_text_without_an_id_number_is_left_alone(text: str) -> None:
    assert mask_id_numbers_in_text(text) == text


def test_an_all_digit_institution_uscc_is_not_masked_even_when_it_holds_a_date() -> None:
    # Characters 7-14 read 19960829, like a birth date; the GB 32100 check character says organisation.
    institution = next(
        code
        for n in range(100)
        if (code := uscc_with_prefix("12", body=f"960829{n:02d}", region="430919")).isdigit()
        and is_uscc_shaped(code)
    )
    assert mask_id_numbers_in_text(f"单位{institution}") == f"单位{institution}"


@pytest.mark.parametrize(
    "value", ["E-1", "430923-B-2025-0001", "a.b:c_d", "0" * 100, "court:2024湘0923执8号:e8f2"]
)
def test_safe_ids_pass(value: str) -> None:
    assert is_safe_id(value) and check_safe_id("entry_id", value) == value


@pytest.mark.parametrize(
    "value", ["a/b", "a b", "", "-start", "（2023）湘0421", "a%2Fb", "x" * 101, "e\u200b1", "a\nb"]
)
def test_unsafe_ids_are_refused_naming_the_field_and_value(value: str) -> None:
    with pytest.raises(BoundsError) as caught:
        check_safe_id("task_id", value)

    assert caught.value.status == 422
    assert caught.value.errors == [{"field": "task_id", "value": value, "reason": caught.value.reason}]


def test_decision_days_are_from_1949_to_a_year_ahead() -> None:
    today = dt.date(2026, 6, 1)
    check_decision_day("decided_on", dt.date(1949, 10, 1), today=today)
    check_decision_day("decided_on", dt.date(2027, 6, 1), today=today)
    with pytest.raises(BoundsError, match="1949-10-01"):
        check_decision_day("decided_on", dt.date(1949, 9, 30), today=today)
    with pytest.raises(BoundsError, match="a year ahead"):
        check_decision_day("on", dt.date(2027, 6, 3), today=today)


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1899, 12, 31)])
def test_extreme_as_of_days_are_refused(day: dt.date) -> None:
    with pytest.raises(BoundsError, match="as_of"):
        check_as_of("as_of", day)


@pytest.mark.parametrize("cell", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=x"])
def test_formula_cells_are_neutralised(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["测试企业", "91430923MA4L2B3C1J", "0.5", "", "a=b"])
def test_ordinary_cells_are_kept(cell: str) -> None:
    assert safe_cell(cell) == cell


def test_the_rejects_file_neutralises_formula_values(tmp_path: Path) -> None:
    path = tmp_path / "rejects.csv"
    with IssueWriter(path) as writer:
        writer.write("orgs.csv", 2, "name", '=HYPERLINK("http://x","y")', "-bad value")

    with path.open(encoding="utf-8-sig", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["value"] == '\'=HYPERLINK("http://x","y")', row
    assert row["reason"] == "'-bad value", row


def test_the_monthly_report_neutralises_a_department_name_that_is_a_formula(tmp_path: Path) -> None:
    counts = {"pushed": 1, "received": 0, "expected": 1, "rate": 0.0, "overdue": 0}
    stats = Stats(
        start=dt.date(2026, 10, 1),
        end=dt.date(2026, 10, 31),
        as_of=dt.date(2026, 11, 1),
        dept=None,
        region=None,
        entries=EntryStats(initiated=0, by_list={}, by_domain={"=cmd": 1}),
        tasks=TaskStats(**counts, by_outcome={}),
        departments=[DepartmentStats(department='=HYPERLINK("http://x")', **counts)],
        disputes=DisputeStats(opened=0, resolved=0, by_outcome={}, overdue=0),
        repairs=RepairStats(applied=0, approved=0, rejected=0),
    )

    write_report(stats, tmp_path, title="t")

    cells = [
        cell
        for name in ("entries.csv", "departments.csv")
        for row in csv.reader((tmp_path / name).open(encoding="utf-8-sig", newline=""))
        for cell in row
    ]
    assert '\'=HYPERLINK("http://x")' in cells and "'=cmd" in cells, cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), cells
