"""Format v1 ``list_entries.csv``: column rules, defaults, references, reject reasons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph_service.domain.model import CreditDomain, EntryStatus, ListKind
from graph_service.services.checks.catalog import default_catalog
from graph_service.services.workflow.intake import LoadDoor
from graph_service.services.workflow.state import Policy
from graph_service.store.memory import MemoryStore
from tests.factories import make_id_number
from tests.unit.loader_support import ORG_A, ORG_B, PERSON_1, PERSON_2, base_dir, run_load, write

HEADER = (
    "entry_id,subject_id,list,domain,reason,act_on,decided_on,valid_from,valid_until,initiating_dept,basis,"
    "source_region,status,responsible_person_ids\n"
)
GOOD = f"430923-B-2025-0001,{ORG_A},black,tax,逃避追缴欠税,2024-11-05,2025-01-15,,2028-01-14,安化县税务局,,,,"


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore(None)


def test_an_entry_loads_with_defaults_and_responsible_persons(store: MemoryStore, tmp_path: Path) -> None:
    src = base_dir(tmp_path / "src")
    write(src, "list_entries.csv", HEADER + GOOD + f"{PERSON_1}；{PERSON_2}\n")
    loaded = run_load(store, src, tmp_path)
    assert loaded.rejects == [], loaded.rejects
    entry = store.get_entries(["430923-B-2025-0001"])["430923-B-2025-0001"]
    assert (entry.list, entry.domain, entry.status) == (ListKind.BLACK, CreditDomain.TAX, EntryStatus.ACTIVE)
    assert entry.valid_from == dt.date(2025, 1, 15), "valid_from defaults to decided_on"
    assert entry.source_region is None, "no home region configured: decided here, region unnamed"
    assert entry.responsible_person_ids == (PERSON_1, PERSON_2), entry


def test_source_region_defaults_to_the_loading_countys_region_never_the_subjects(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    write(src, "organizations.csv", f"uscc,name,region\n{ORG_A},甲,430900\n")
    write(src, "list_entries.csv", HEADER + GOOD + "\n")
    door = LoadDoor(default_catalog(), Policy(home_region="430921"), "tester", dt.datetime.now(dt.UTC))
    run_load(store, src, tmp_path, door=door)
    entry = store.get_entries(["430923-B-2025-0001"])["430923-B-2025-0001"]
    assert entry.source_region == "430921", "the loading county decided it, not the subject's 430900"


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (
            GOOD.replace("black", "grey"),
            "list",
            "list must be one of red, black, watch, abnormal (or 黑名单, 红名单, 重点关注名单, 经营异常名录)",
        ),
        (GOOD.replace(",tax,", ",taxes,"), "domain", "domain must be one of tax, work_safety"),
        (GOOD.replace("2025-01-15", ""), "decided_on", "decided_on is required"),
        (GOOD.replace("安化县税务局", ""), "initiating_dept", "initiating_dept is required"),
        (
            GOOD.replace("2028-01-14", "2024-01-14"),
            "valid_until",
            "valid_until 2024-01-14 is before valid_from",
        ),
        (
            GOOD.replace("2024-11-05", "2025-11-05"),
            "act_on",
            "act_on 2025-11-05 is after decided_on 2025-01-15",
        ),
        (GOOD.replace("430923-B-2025-0001", "430923 B 0001"), "entry_id", "String should match pattern"),
        (GOOD.replace(",,,,", ",,,closed,"), "status", "status must be one of active, disputed, repaired"),
        (GOOD.replace(",,,,", ",,4309,,"), "source_region", "String should match pattern"),
        (
            GOOD + ORG_B,
            "responsible_person_ids",
            "responsible_person_ids must name persons, not organisations",
        ),
        (GOOD.replace(ORG_A, "91430923MA4L2B3C1K"), "subject_id", "USCC check character is K, expected J"),
    ],
)
def test_each_bad_entry_cell_is_rejected_naming_column_and_reason(
    store: MemoryStore, tmp_path: Path, row: str, column: str, reason: str
) -> None:
    src = base_dir(tmp_path / "src")
    write(src, "list_entries.csv", HEADER + row + "\n")
    loaded = run_load(store, src, tmp_path)
    assert len(loaded.rejects) == 1 and loaded.rejects[0]["column"] == column, loaded.rejects
    assert loaded.rejects[0]["reason"].startswith(reason), loaded.rejects


def test_unknown_subject_and_responsible_persons_are_rejected_by_name(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = base_dir(tmp_path / "src")
    stranger, unknown_subject = make_id_number(42, birth="19950101"), make_id_number(43, birth="19950101")
    second = f"430923-B-2025-0002,{unknown_subject},black,court_enforcement,,,2025-01-15,,,安化县人民法院,,,,"
    write(src, "list_entries.csv", HEADER + GOOD + stranger + "\n" + second + "\n")
    loaded = run_load(store, src, tmp_path)
    assert sorted((r["line"], r["column"], r["value"]) for r in loaded.rejects) == [
        ("2", "responsible_person_ids", stranger),
        ("3", "subject_id", unknown_subject),
    ], loaded.rejects
    assert store.counts()["entries"] == 0


def test_a_repeated_entry_id_with_different_data_is_rejected(store: MemoryStore, tmp_path: Path) -> None:
    src = base_dir(tmp_path / "src")
    write(src, "list_entries.csv", HEADER + GOOD + "\n" + GOOD.replace("逃避追缴欠税", "偷税") + "\n")
    loaded = run_load(store, src, tmp_path)
    assert (
        loaded.rejects[0]["column"] == "entry_id" and "already given on line 2" in loaded.rejects[0]["reason"]
    )
    assert store.get_entries(["430923-B-2025-0001"])["430923-B-2025-0001"].reason == "逃避追缴欠税"


def test_a_newer_export_updates_an_entry_status(store: MemoryStore, tmp_path: Path) -> None:
    src = base_dir(tmp_path / "src")
    write(src, "list_entries.csv", HEADER + GOOD + "\n")
    run_load(store, src, tmp_path)
    write(src, "list_entries.csv", HEADER + GOOD.replace(",,,,", ",,,repaired,") + "\n")
    loaded = run_load(store, src, tmp_path)
    assert loaded.file("list_entries.csv").updated == 1, loaded.file("list_entries.csv")
    assert store.get_entries(["430923-B-2025-0001"])["430923-B-2025-0001"].status is EntryStatus.REPAIRED


@pytest.mark.parametrize(
    ("names", "codes"),
    [
        (("黑名单", "税务", "有效"), (ListKind.BLACK, CreditDomain.TAX, EntryStatus.ACTIVE)),
        (("红名单", "环境保护", "正常"), (ListKind.RED, CreditDomain.ENVIRONMENT, EntryStatus.ACTIVE)),
        (
            ("重点关注名单", "失信被执行人", "异议中"),
            (ListKind.WATCH, CreditDomain.COURT_ENFORCEMENT, EntryStatus.DISPUTED),
        ),
        (
            ("经营异常名录", "建筑市场", "已撤销"),
            (ListKind.ABNORMAL, CreditDomain.CONSTRUCTION, EntryStatus.REVOKED),
        ),
    ],
)
def test_lists_domains_and_statuses_load_by_their_chinese_names(
    store: MemoryStore, tmp_path: Path, names: tuple[str, str, str], codes: tuple[object, ...]
) -> None:
    src = base_dir(tmp_path / "src")
    listed, domain, status = names
    row = f"430923-B-2025-0001,{ORG_A},{listed},{domain},,,2025-01-15,,,安化县税务局,,,{status},"
    write(src, "list_entries.csv", HEADER + row + "\n")
    loaded = run_load(store, src, tmp_path)
    assert loaded.rejects == [], loaded.rejects
    entry = store.get_entries(["430923-B-2025-0001"])["430923-B-2025-0001"]
    assert (entry.list, entry.domain, entry.status) == codes


def test_an_unknown_chinese_name_is_rejected_naming_column_value_and_the_accepted_names(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = base_dir(tmp_path / "src")
    write(src, "list_entries.csv", HEADER + GOOD.replace(",tax,", ",税收,") + "\n")
    loaded = run_load(store, src, tmp_path)
    assert [(r["column"], r["value"]) for r in loaded.rejects] == [("domain", "税收")], loaded.rejects
    reason = loaded.rejects[0]["reason"]
    assert "court_enforcement" in reason and "失信被执行人" in reason and "环境保护" in reason, reason


CHINESE_HEADER = (
    "条目编号,主体标识,名单,领域,认定事由,行为日期,认定日期,有效期起,有效期止,认定部门,认定文书号,"
    "来源地区,状态,责任人\n"
)


def test_an_entries_file_with_chinese_headers_loads_like_the_english_one(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = base_dir(tmp_path / "src")
    write(
        src,
        "list_entries.csv",
        CHINESE_HEADER + GOOD.replace(",black,tax,", ",黑名单,税务,") + PERSON_1 + "\n",
    )
    loaded = run_load(store, src, tmp_path)
    assert loaded.rejects == [], loaded.rejects
    entry = store.get_entries(["430923-B-2025-0001"])["430923-B-2025-0001"]
    assert (entry.list, entry.domain, entry.initiating_dept) == (
        ListKind.BLACK,
        CreditDomain.TAX,
        "安化县税务局",
    )
    assert entry.responsible_person_ids == (PERSON_1,) and entry.valid_until == dt.date(2028, 1, 14), entry
