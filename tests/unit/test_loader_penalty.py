"""双公示 administrative penalties (行政处罚) -> penalty records on the subject."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph_service.domain.penalty import PenaltySubjectCategory
from graph_service.store.memory import MemoryStore
from tests.unit.loader_support import run_load, write

EXAMPLES = Path(__file__).parents[2] / "examples"
MEISHAN = "91430923MA4L2B3C1J"
HEADER = "行政相对人名称,行政相对人代码_1(统一社会信用代码),行政处罚决定书文号,处罚决定日期,处罚机关"


@pytest.fixture
def store(tmp_path: Path) -> MemoryStore:
    memory = MemoryStore(None)
    run_load(memory, EXAMPLES / "v1", tmp_path)
    return memory


def test_the_published_csv_maps_every_column(store: MemoryStore, tmp_path: Path) -> None:
    loaded = run_load(store, EXAMPLES / "penalty", tmp_path, fmt="penalty")
    report = loaded.file("行政处罚.csv")
    assert (report.read, report.created, report.rejected) == (4, 3, 1), (report, loaded.rejects)
    [record] = store.penalties_for([MEISHAN])
    assert record.decision_number == "安市监处罚〔2024〕56号"
    assert record.subject_category is PenaltySubjectCategory.LEGAL_PERSON
    assert (record.legal_representative, record.violation_type) == ("刘志强", "销售不符合食品安全标准的食品")
    assert record.penalty_categories == ("罚款", "没收违法所得"), record
    assert (record.fine_amount, record.confiscated_amount) == (5.0, 0.32), "amounts stay in 万元"
    assert (record.decided_on, record.valid_until) == (dt.date(2024, 6, 18), dt.date(2027, 6, 17))
    assert (record.authority, record.authority_uscc) == ("安化县市场监督管理局", "11430923MB1D7K2P4P")


def test_a_natural_person_is_identified_by_the_id_number_and_a_masked_one_rejected(
    store: MemoryStore, tmp_path: Path
) -> None:
    loaded = run_load(store, EXAMPLES / "penalty", tmp_path, fmt="penalty")
    [record] = store.penalties_for(["432326196805052131"])
    assert record.subject_category is PenaltySubjectCategory.NATURAL_PERSON
    assert [(r["line"], r["column"]) for r in loaded.rejects] == [("5", "证件号码")], loaded.rejects


def test_an_individual_business_not_in_the_store_is_created(store: MemoryStore, tmp_path: Path) -> None:
    run_load(store, EXAMPLES / "penalty", tmp_path, fmt="penalty")
    [record] = store.penalties_for(["92430923MA4X7D3E1X"])
    assert record.subject_category is PenaltySubjectCategory.INDIVIDUAL_BUSINESS
    assert (
        store.get_subjects(["92430923MA4X7D3E1X"])["92430923MA4X7D3E1X"].name == "安化县江南镇李记茶叶经营部"
    )


def test_reloading_the_feed_is_idempotent_by_decision_number_and_subject(
    store: MemoryStore, tmp_path: Path
) -> None:
    run_load(store, EXAMPLES / "penalty", tmp_path, fmt="penalty")
    loaded = run_load(store, EXAMPLES / "penalty", tmp_path, fmt="penalty")
    report = loaded.file("行政处罚.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3), report


def test_short_headers_and_yuan_amounts_are_understood(store: MemoryStore, tmp_path: Path) -> None:
    src = write(
        tmp_path,
        "p.csv",
        "行政相对人名称,统一社会信用代码,处罚决定书文号,处罚日期,处罚机关,罚款金额（元）,处罚类别\n"
        f"甲,{MEISHAN},安市监处罚〔2025〕1号,2025年1月2日,安化县市场监督管理局,12000,警告、罚款\n",
    )
    loaded = run_load(store, src, tmp_path, fmt="penalty")
    assert loaded.rejects == [] and loaded.warnings == [], (loaded.rejects, loaded.warnings)
    [record] = [r for r in store.penalties_for([MEISHAN]) if r.decision_number == "安市监处罚〔2025〕1号"]
    assert (record.fine_amount, record.decided_on, record.penalty_categories) == (
        1.2,
        dt.date(2025, 1, 2),
        ("警告", "罚款"),
    ), record


@pytest.mark.parametrize(
    ("extra_header", "row", "column", "reason"),
    [
        ("", f"甲,{MEISHAN},,2025-01-02,机关", "行政处罚决定书文号", "行政处罚决定书文号 is required"),
        (
            "",
            f"甲,{MEISHAN},号1,2025-13-02,机关",
            "处罚决定日期",
            "处罚决定日期 must be a date like 2024-01-31",
        ),
        ("", "甲,,号1,2025-01-02,机关", "证件号码", "证件号码 is required to identify the subject"),
        (
            ",行政相对人类别",
            f"甲,{MEISHAN},号1,2025-01-02,机关,外国人",
            "行政相对人类别",
            "行政相对人类别 must be one of",
        ),
        (
            ",罚款金额(万元)",
            f"甲,{MEISHAN},号1,2025-01-02,机关,-1",
            "罚款金额(万元)",
            "Input should be greater than or equal to 0",
        ),
        (
            ",公示截止期",
            f"甲,{MEISHAN},号1,2025-01-02,机关,2024-01-01",
            "公示截止期",
            "publish_until 2024-01-01 is before",
        ),
        (
            ",处罚机关统一社会信用代码",
            f"甲,{MEISHAN},号1,2025-01-02,机关,123",
            "处罚机关统一社会信用代码",
            "USCC must have 18",
        ),
    ],
)
def test_each_bad_penalty_cell_is_rejected_naming_the_published_column(
    store: MemoryStore, tmp_path: Path, extra_header: str, row: str, column: str, reason: str
) -> None:
    src = write(tmp_path, "p.csv", HEADER + extra_header + "\n" + row + "\n")
    loaded = run_load(store, src, tmp_path, fmt="penalty")
    assert [r["column"] for r in loaded.rejects] == [column], loaded.rejects
    assert loaded.rejects[0]["reason"].startswith(reason), loaded.rejects


def test_a_non_resident_id_document_cannot_identify_a_person(store: MemoryStore, tmp_path: Path) -> None:
    src = write(
        tmp_path,
        "p.csv",
        "行政相对人名称,行政相对人类别,证件类型,证件号码,行政处罚决定书文号,处罚决定日期,处罚机关\n"
        "John Smith,自然人,护照,E12345678,号1,2025-01-02,机关\n",
    )
    loaded = run_load(store, src, tmp_path, fmt="penalty")
    assert loaded.rejects[0]["column"] == "证件类型" and "身份证" in loaded.rejects[0]["reason"], (
        loaded.rejects
    )
