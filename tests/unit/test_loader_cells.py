"""Cell parsing: dates, numbers, withheld IDs, and mapping model errors back to file columns."""

from __future__ import annotations

import datetime as dt

import pytest

from graph_service.domain.model import Relation
from loaders.cells import Cells, build, is_withheld, parse_date, parse_number
from tests.factories import make_id_number


@pytest.mark.parametrize(
    ("text", "strict", "lenient"),
    [
        ("2024-05-20", dt.date(2024, 5, 20), dt.date(2024, 5, 20)),
        ("2024/5/20", None, dt.date(2024, 5, 20)),
        ("2024年5月20日", None, dt.date(2024, 5, 20)),
        ("2024年05月20日", None, dt.date(2024, 5, 20)),
        ("20240520", None, dt.date(2024, 5, 20)),
        ("2024-05-20 00:00:00", None, dt.date(2024, 5, 20)),
        ("2024-02-30", None, None),
        ("1700000000", None, None),
        ("May 20, 2024", None, None),
    ],
)
def test_dates_are_strict_in_v1_and_lenient_for_public_feeds(
    text: str, strict: dt.date | None, lenient: dt.date | None
) -> None:
    assert parse_date(text) == strict
    assert parse_date(text, lenient=True) == lenient


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("0.6", 0.6),
        ("1", 1.0),
        ("12,000.5", 12000.5),
        (".5", 0.5),
        ("-3", -3.0),
        ("60%", None),
        ("1e3", None),
    ],
)
def test_numbers_accept_thousands_separators_and_nothing_else(text: str, number: float | None) -> None:
    assert parse_number(text) == number


@pytest.mark.parametrize(
    ("value", "withheld"),
    [
        ("430923199001011014", False),
        ("43092319900101101X", False),
        ("91430923MA4XX2B3CY", False),  # a USCC may contain XX
        ("4309231990****1014", True),
        ("4309231990xxxx1014", True),
        ("430923********1014", True),
        ("非公示项", True),
        ("无", True),
        ("-", True),
        ("", True),
        (None, True),
    ],
)
def test_withheld_ids_are_told_from_malformed_ones(value: str | None, withheld: bool) -> None:
    assert is_withheld(value) is withheld


def test_model_level_errors_are_attributed_to_the_column_their_message_names() -> None:
    cells = Cells({"start": "2020-01-02", "finish": "2020-01-01"}, line=9)
    fields = {
        "kind": "director",
        "source_id": "~91430923MA4L2B3C1J~张三",
        "target_id": "91430923MA4L2B3C1J",
        "start_on": dt.date(2020, 1, 2),
        "end_on": dt.date(2020, 1, 1),
    }
    assert build(Relation, fields, cells, {"start_on": "start", "end_on": "finish"}) is None
    assert [(p.column, p.value) for p in cells.problems] == [("finish", "2020-01-01")], cells.problems
    assert cells.problems[0].reason == "end_on 2020-01-01 is before start_on 2020-01-02"


def test_an_id_number_born_after_the_day_of_the_load_is_a_problem() -> None:
    born_2030 = make_id_number(7, birth="20300101")
    cells = Cells({"id_number": born_2030}, 2, today=dt.date(2026, 12, 1))

    assert cells.id_number("id_number", born_2030) is None
    assert [p.column for p in cells.problems] == ["id_number"], cells.problems
    later = Cells({"id_number": born_2030}, 2, today=dt.date(2031, 1, 1))
    assert later.id_number("id_number", born_2030) == born_2030
