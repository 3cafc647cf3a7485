"""The court list of dishonest judgment debtors (失信被执行人名单) -> black court_enforcement entries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph_service.domain.model import CreditDomain, ListKind, Organization
from graph_service.store.memory import MemoryStore
from loaders.formats.court import court_entry_id, court_region
from tests.unit.loader_support import run_load, write

EXAMPLES = Path(__file__).parents[2] / "examples"
ZIJIANG = "91430923MA4P8K1D8X"  # 安化县资江建筑工程有限公司, legal representative 周伟 since 2014
ZHOU_WEI = "432301198112306014"
DATES = "2024-01-01,2024-02-01"
HEADER = (
    "被执行人姓名/名称,身份证号码/组织机构代码,法定代表人或者负责人姓名,执行法院,省份,案号,立案时间,发布时间,"
    "失信被执行人行为具体情形\n"
)


@pytest.fixture
def store(tmp_path: Path) -> MemoryStore:
    """A store holding the example registry (examples/v1)."""
    memory = MemoryStore(None)
    loaded = run_load(memory, EXAMPLES / "v1", tmp_path)
    assert loaded.rejects == [], loaded.rejects
    return memory


def test_the_published_csv_maps_to_black_entries_and_links_the_legal_representative(
    store: MemoryStore, tmp_path: Path
) -> None:
    loaded = run_load(store, EXAMPLES / "court" / "失信被执行人名单.csv", tmp_path, fmt="court")
    report = loaded.file("失信被执行人名单.csv")
    assert (report.read, report.created, report.rejected) == (6, 6, 0), report
    entry_id = court_entry_id("（2024）湘0923执1024号", "安化县资江建筑工程有限公司")
    entry = store.get_entries([entry_id])[entry_id]
    assert (entry.list, entry.domain, entry.subject_id) == (
        ListKind.BLACK,
        CreditDomain.COURT_ENFORCEMENT,
        ZIJIANG,
    )
    assert (entry.act_on, entry.decided_on) == (dt.date(2024, 3, 11), dt.date(2024, 6, 20)), entry
    assert entry.initiating_dept == "安化县人民法院" and entry.basis == "（2023）湘0923民初1187号", entry
    assert entry.source_region == "430923", "the court's county (案号 湘0923), not the province"
    assert entry.responsible_person_ids == (ZHOU_WEI,), entry


def test_a_name_that_is_not_the_legal_representative_on_the_filing_date_is_reported_not_guessed(
    store: MemoryStore, tmp_path: Path
) -> None:
    loaded = run_load(store, EXAMPLES / "court" / "失信被执行人名单.csv", tmp_path, fmt="court")
    entry_id = court_entry_id("（2024）湘0923执233号", "安化县梅山黑茶有限公司")
    assert store.get_entries([entry_id])[entry_id].responsible_person_ids == ()
    rep_warnings = [w for w in loaded.warnings if w["column"] == "法定代表人或者负责人姓名"]
    assert [w["value"] for w in rep_warnings] == ["王大明", "陈大勇"], loaded.warnings
    assert rep_warnings[0]["reason"].startswith("unresolved name: 王大明 is not a legal representative")


def test_the_predecessor_is_linked_for_an_act_before_the_change(store: MemoryStore, tmp_path: Path) -> None:
    # 梅山黑茶: 李建国 until 2021-06-30, then 刘志强.
    src = write(
        tmp_path,
        "court.csv",
        HEADER + "安化县梅山黑茶有限公司,91430923MA4L2B3C1J,李建国,安化县人民法院,湖南,（2021）湘0923执5号,"
        "2021-03-01,2021-08-01,违反限制消费令\n",
    )
    run_load(store, src, tmp_path, fmt="court")
    entry_id = court_entry_id("（2021）湘0923执5号", "安化县梅山黑茶有限公司")
    assert store.get_entries([entry_id])[entry_id].responsible_person_ids == ("43232619780312401X",)


def test_a_masked_person_id_fitting_the_one_stored_person_of_that_name_is_linked_with_a_warning(
    store: MemoryStore, tmp_path: Path
) -> None:
    loaded = run_load(store, EXAMPLES / "court" / "失信被执行人名单.csv", tmp_path, fmt="court")
    assert loaded.rejects == [], loaded.rejects
    entry_id = court_entry_id("（2024）湘0923执1502号", "王秀英")
    assert store.get_entries([entry_id])[entry_id].subject_id == "432326198507261524"
    [warning] = [w for w in loaded.warnings if w["column"] == "身份证号码/组织机构代码"]
    assert (warning["line"], warning["value"]) == ("5", "4323261985****1524"), warning
    assert "linked to 王秀英 432326198507261524" in warning["reason"], warning


def test_an_organisation_code_finds_the_stored_organisation_of_that_name(
    store: MemoryStore, tmp_path: Path
) -> None:
    run_load(store, EXAMPLES / "court" / "失信被执行人名单.csv", tmp_path, fmt="court")
    entry_id = court_entry_id("（2023）湘0923执410号", "安化县山水物流有限公司")
    assert store.get_entries([entry_id])[entry_id].subject_id == "91430923MA4Q3N2Y8N"


def test_an_organisation_code_without_a_stored_match_is_rejected(store: MemoryStore, tmp_path: Path) -> None:
    src = write(
        tmp_path,
        "court.csv",
        HEADER + "不存在的公司,MA4Q3N2Y-8,,安化县人民法院,湖南,（2023）湘0923执1号,2023-01-01,2023-02-01,x\n",
    )
    loaded = run_load(store, src, tmp_path, fmt="court")
    assert "no stored organisation named 不存在的公司 carries it" in loaded.reasons()[0], loaded.rejects


def test_an_unknown_debtor_with_a_uscc_is_created(store: MemoryStore, tmp_path: Path) -> None:
    loaded = run_load(store, EXAMPLES / "court" / "失信被执行人名单.csv", tmp_path, fmt="court")
    created = store.get_subjects(["91430923MA4W9B2C3X"])["91430923MA4W9B2C3X"]
    assert created == Organization(uscc="91430923MA4W9B2C3X", name="安化县云台山茶旅开发有限公司")
    assert loaded.file("失信被执行人名单.csv").subjects_created == 1


def test_a_stored_debtor_is_never_overwritten_by_the_court_list(store: MemoryStore, tmp_path: Path) -> None:
    before = store.get_subjects([ZIJIANG])[ZIJIANG]
    src = write(
        tmp_path,
        "court.csv",
        HEADER + f"资江建筑（简称）,{ZIJIANG},周伟,安化县人民法院,湖南,（2024）湘0923执9号,{DATES},x\n",
    )
    run_load(store, src, tmp_path, fmt="court")
    assert store.get_subjects([ZIJIANG])[ZIJIANG] == before


def test_json_lines_with_the_query_service_keys_load_the_same_entries(
    store: MemoryStore, tmp_path: Path
) -> None:
    run_load(store, EXAMPLES / "court" / "失信被执行人名单.csv", tmp_path, fmt="court")
    loaded = run_load(store, EXAMPLES / "court" / "zxgk.jsonl", tmp_path, fmt="court")
    report = loaded.file("zxgk.jsonl")
    assert (report.read, report.unchanged, report.rejected) == (2, 2, 0), (report, loaded.rejects)


def test_missing_required_columns_fail_the_file(store: MemoryStore, tmp_path: Path) -> None:
    src = write(tmp_path, "court.csv", "被执行人姓名/名称,案号\n甲,（2024）湘0923执1号\n")
    loaded = run_load(store, src, tmp_path, fmt="court")
    assert loaded.report.failure == (
        "court.csv: missing required column(s): 身份证号码/组织机构代码, 执行法院, 发布时间"
    ), loaded.report.failure


def test_a_legal_representative_id_column_links_by_id(store: MemoryStore, tmp_path: Path) -> None:
    header = HEADER.replace(
        "法定代表人或者负责人姓名,", "法定代表人或者负责人姓名,法定代表人或者负责人身份证号码,"
    )
    src = write(
        tmp_path,
        "court.csv",
        header
        + ",".join(["资江建筑", ZIJIANG, "周伟", ZHOU_WEI, "安化县人民法院", "湖南", "（2024）湘0923执8号"])
        + ",2010-01-01,2024-02-01,x\n",
    )
    run_load(store, src, tmp_path, fmt="court")
    entry_id = court_entry_id("（2024）湘0923执8号", "资江建筑")
    # Filed before 周伟's role started: only the ID can link him.
    assert store.get_entries([entry_id])[entry_id].responsible_person_ids == (ZHOU_WEI,)


def test_entry_ids_are_stable_across_bracket_and_space_variants() -> None:
    assert court_entry_id("（2024）湘0923执1024号", "安化县 资江") == court_entry_id(
        "(2024)湘0923执1024号", "安化县资江"
    )
    assert court_entry_id("（2024）湘0923执1024号", "甲").startswith("court:2024湘0923执1024号:")
    assert court_entry_id("（2024）湘0923执1024号", "甲") != court_entry_id("（2024）湘0923执1024号", "乙")


@pytest.mark.parametrize(
    ("case", "region"),
    [
        ("（2023）湘0923执123号", "430923"),
        ("(2024)粤0305执9号", "440305"),
        ("（2023）湘09执12号", "430900"),
        ("（2023）湘执1号", "430000"),
        ("（2023）湘71执1号", None),
        ("第123号", None),
    ],
)
def test_the_court_region_is_the_court_code_of_the_case_number(case: str, region: str | None) -> None:
    assert court_region(case) == region
