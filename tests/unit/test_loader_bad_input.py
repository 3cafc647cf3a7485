"""Loader bad input the row checks alone cannot see: shares over 100 %, and conflicting repeats far apart.

A company's current shareholdings adding up to more than 1 load (each row may be right on its own) with
one warning naming the company and the sum. A key given twice with different data is rejected naming both
lines, however far apart the two rows are — in different batches too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph_service.store.memory import MemoryStore
from tests.unit.loader_support import (
    ORG_A,
    ORG_B,
    PERSON_1,
    PERSON_2,
    PERSON_3,
    Loaded,
    base_dir,
    run_load,
    write,
)

HOLDINGS = "holder_id,org_id,ratio,start_on,end_on\n"
ROLES = "person_id,org_id,role,title,start_on,end_on\n"


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore(None)


def _holdings(
    store: MemoryStore, tmp_path: Path, rows: list[str], **kw: Any
) -> tuple[Loaded, list[dict[str, str]]]:
    src = base_dir(tmp_path / "src")
    write(src, "shareholdings.csv", HOLDINGS + "\n".join(rows) + "\n")
    loaded = run_load(store, src, tmp_path, **kw)
    return loaded, [w for w in loaded.warnings if w["file"] == "shareholdings.csv"]


def test_a_company_whose_current_shares_add_up_to_more_than_one_loads_with_one_warning(
    store: MemoryStore, tmp_path: Path
) -> None:
    rows = [
        f"{PERSON_1},{ORG_A},0.5,2016-01-01,",
        f"{PERSON_2},{ORG_A},0.4,2016-01-01,",
        f"{PERSON_3},{ORG_A},0.3,2018-05-01,",  # 1.2 from here on
        f"{ORG_B},{ORG_A},0.1,2019-01-01,",  # still over: no second warning for ORG_A
    ]
    loaded, warnings = _holdings(store, tmp_path, rows)
    assert loaded.rejects == [], loaded.rejects
    assert len(warnings) == 1, warnings
    warning = warnings[0]
    assert (warning["line"], warning["column"], warning["value"]) == ("4", "ratio", "0.3"), warning
    assert ORG_A in warning["reason"] and "add up to 1.2," in warning["reason"], warning
    holders = store.relations_of(ORG_A, as_of=None, direction="in")
    assert sorted(h.ratio for h in holders if h.ratio is not None) == [0.1, 0.3, 0.4, 0.5], holders


def test_a_person_listed_twice_as_shareholder_of_one_company_beyond_the_whole_is_a_warning(
    store: MemoryStore, tmp_path: Path
) -> None:
    rows = [f"{PERSON_1},{ORG_A},0.7,2016-01-01,", f"{PERSON_1},{ORG_A},0.6,2020-03-01,"]
    loaded, warnings = _holdings(store, tmp_path, rows, batch_size=1)  # the sum spans batches
    assert [(w["line"], w["value"]) for w in warnings] == [("3", "0.6")], warnings
    assert ORG_A in warnings[0]["reason"] and "1.3" in warnings[0]["reason"], warnings
    assert loaded.file("shareholdings.csv").created == 2, loaded.file("shareholdings.csv")


@pytest.mark.parametrize(
    "rows",
    [
        [
            f"{PERSON_1},{ORG_A},0.333334,,",
            f"{PERSON_2},{ORG_A},0.333333,,",
            f"{PERSON_3},{ORG_A},0.333334,,",
        ],
        # An ended holding is not current: a transfer of 0.8 from one holder to another is not 1.6.
        [f"{PERSON_1},{ORG_A},0.8,2016-01-01,2020-01-01", f"{PERSON_2},{ORG_A},0.8,2020-01-01,"],
        # Two companies, each under 1.
        [f"{PERSON_1},{ORG_A},0.6,,", f"{PERSON_1},{ORG_B},0.6,,", f"{PERSON_2},{ORG_B},0.4,,"],
    ],
    ids=["rounded-thirds", "transfer", "two-companies"],
)
def test_shares_that_add_up_to_one_at_most_raise_no_warning(
    store: MemoryStore, tmp_path: Path, rows: list[str]
) -> None:
    loaded, warnings = _holdings(store, tmp_path, rows)
    assert loaded.rejects == [] and warnings == [], (loaded.rejects, warnings)


def test_a_conflicting_repeat_of_a_relation_in_a_later_batch_is_rejected_naming_both_lines(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = base_dir(tmp_path / "src")
    first = f"{PERSON_1},{ORG_A},director,董事,2016-03-18,"
    other = f"{PERSON_2},{ORG_A},supervisor,监事,2016-03-18,"
    conflicting = f"{PERSON_1},{ORG_A},director,董事长,2016-03-18,"
    write(src, "roles.csv", ROLES + "\n".join([first, other, first, conflicting]) + "\n")
    loaded = run_load(store, src, tmp_path, batch_size=1)  # each row its own batch
    report = loaded.file("roles.csv")
    assert (report.created, report.skipped, report.rejected) == (2, 1, 1), report
    reject = next(r for r in loaded.rejects if r["file"] == "roles.csv")
    assert reject["line"] == "5" and "as line 2 with other data" in reject["reason"], reject
    titles = [
        r.title for r in store.relations_of(ORG_A, as_of=None, direction="in") if r.source_id == PERSON_1
    ]
    assert titles == ["董事"], titles


def test_a_conflicting_repeat_of_an_organisation_in_a_later_batch_is_rejected_naming_both_lines(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    write(src, "organizations.csv", f"uscc,name\n{ORG_A},甲\n{ORG_B},乙\n{ORG_A},甲改名\n")
    loaded = run_load(store, src, tmp_path, batch_size=1)
    assert [(r["line"], r["column"], r["value"]) for r in loaded.rejects] == [("4", "uscc", ORG_A)], (
        loaded.rejects
    )
    assert "already given on line 2 with different data" in loaded.rejects[0]["reason"], loaded.rejects
    assert store.get_subjects([ORG_A])[ORG_A].name == "甲"
