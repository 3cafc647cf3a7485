"""Format v1 relation files: roles, shareholdings (ratio derivation), practitioners, branches."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph_service.domain.model import RelationKind, unresolved_person_key
from graph_service.store.memory import MemoryStore
from tests.factories import make_uscc
from tests.unit.loader_support import (
    ORG_A,
    ORG_B,
    ORG_C,
    PERSON_1,
    PERSON_2,
    PERSON_3,
    base_dir,
    run_load,
    write,
)

ROLES = "person_id,org_id,role,title,start_on,end_on,person_name\n"
HOLDINGS = "holder_id,org_id,ratio,subscribed_amount,start_on,end_on,holder_name,holder_type\n"


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore(None)


def test_roles_load_with_title_and_dates(store: MemoryStore, tmp_path: Path) -> None:
    src = base_dir(tmp_path / "src")
    write(
        src, "roles.csv", ROLES + f"{PERSON_1},{ORG_A},legal_representative,执行董事兼总经理,2016-03-18,,\n"
    )
    loaded = run_load(store, src, tmp_path)
    assert loaded.rejects == [], loaded.rejects
    [relation] = store.relations_of(ORG_A, as_of=None, direction="in")
    assert (relation.kind, relation.source_id, relation.title, relation.start_on, relation.end_on) == (
        RelationKind.LEGAL_REPRESENTATIVE,
        PERSON_1,
        "执行董事兼总经理",
        dt.date(2016, 3, 18),
        None,
    ), relation


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (f"{PERSON_1},{ORG_A},boss,,,,", "role", "role must be one of actual_controller, director"),
        (f"{PERSON_1},{ORG_A},shareholder,,,,", "role", "role must be one of"),
        (f",{ORG_A},director,,,,", "person_id", "person_id is missing; give person_name"),
        (
            f"4309231995****0013,{ORG_A},director,,,,",
            "person_id",
            "person_id is withheld (4309231995****0013)",
        ),
        (f"{PERSON_1},,director,,,,", "org_id", "org_id is required"),
        (
            f"{PERSON_1},{ORG_A},director,,2020-01-02,2020-01-01,",
            "end_on",
            "end_on 2020-01-01 is before start_on",
        ),
        (f"{PERSON_1},{ORG_A},director,,20200101,,", "start_on", "start_on must be a date as YYYY-MM-DD"),
        (
            f"{PERSON_1},{ORG_A},director,{'长' * 101},,,",
            "title",
            "String should have at most 100 characters",
        ),
        (
            f"{ORG_B},{ORG_A},director,,,,",
            "person_id",
            "ID number must be 17 digits followed by a digit or X",
        ),
    ],
)
def test_each_bad_role_cell_is_rejected_naming_column_and_reason(
    store: MemoryStore, tmp_path: Path, row: str, column: str, reason: str
) -> None:
    src = base_dir(tmp_path / "src")
    write(src, "roles.csv", ROLES + row + "\n")
    loaded = run_load(store, src, tmp_path)
    rejects = loaded.reasons("roles.csv")
    assert len(rejects) == 1 and loaded.rejects[-1]["column"] == column, loaded.rejects
    assert rejects[0].startswith(reason), rejects


def test_a_relation_to_an_unknown_organisation_is_a_row_error_naming_the_id(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = base_dir(tmp_path / "src")
    stranger = make_uscc(77)
    write(src, "roles.csv", ROLES + f"{PERSON_1},{stranger},director,,,,\n{PERSON_2},{ORG_A},director,,,,\n")
    loaded = run_load(store, src, tmp_path)
    assert loaded.rejects == [
        {
            "file": "roles.csv",
            "line": "2",
            "column": "org_id",
            "value": stranger,
            "reason": f"org_id {stranger} is not an organisation of this load or the store",
        }
    ]
    assert loaded.file("roles.csv").created == 1


def test_a_relation_naming_an_unknown_person_is_a_row_error(store: MemoryStore, tmp_path: Path) -> None:
    src = base_dir(tmp_path / "src")
    from tests.factories import make_id_number

    stranger = make_id_number(99, birth="19950101")
    write(src, "roles.csv", ROLES + f"{stranger},{ORG_A},director,,,,\n")
    loaded = run_load(store, src, tmp_path)
    assert loaded.reasons("roles.csv") == [f"person_id {stranger} is not a person of this load or the store"]


def test_a_relation_may_name_subjects_already_in_the_store(store: MemoryStore, tmp_path: Path) -> None:
    first = base_dir(tmp_path / "first")
    run_load(store, first, tmp_path)
    second = tmp_path / "second"
    write(second, "roles.csv", ROLES + f"{PERSON_1},{ORG_A},supervisor,监事,,,\n")
    loaded = run_load(store, second, tmp_path)
    assert loaded.rejects == [] and loaded.file("roles.csv").created == 1, loaded.rejects


def test_reloading_a_row_with_an_end_on_closes_the_relation_of_the_same_start(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = base_dir(tmp_path / "src")
    write(src, "roles.csv", ROLES + f"{PERSON_1},{ORG_A},legal_representative,,2016-03-18,,\n")
    run_load(store, src, tmp_path)
    newer = ROLES + (
        f"{PERSON_1},{ORG_A},legal_representative,,2016-03-18,2021-06-30,\n"
        f"{PERSON_2},{ORG_A},legal_representative,,2021-06-30,,\n"
    )
    write(src, "roles.csv", newer)
    loaded = run_load(store, src, tmp_path)
    report = loaded.file("roles.csv")
    assert (report.created, report.updated) == (1, 1), report
    holders = store.role_holders(ORG_A, as_of=dt.date(2022, 1, 1))
    assert [h.source_id for h in holders] == [PERSON_2], holders
    history = store.relations_of(ORG_A, as_of=None, direction="in")
    assert {(h.source_id, h.end_on) for h in history} == {(PERSON_1, dt.date(2021, 6, 30)), (PERSON_2, None)}


def test_a_repeated_relation_in_a_batch_is_skipped_and_a_conflicting_one_rejected(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = base_dir(tmp_path / "src")
    row = f"{PERSON_1},{ORG_A},director,董事,2016-03-18,,"
    conflicting = f"{PERSON_1},{ORG_A},director,董事长,2016-03-18,,"
    write(src, "roles.csv", ROLES + "\n".join([row, row, conflicting]) + "\n")
    loaded = run_load(store, src, tmp_path)
    report = loaded.file("roles.csv")
    assert (report.created, report.skipped, report.rejected) == (1, 1, 1), report
    assert "the same relation (kind, source, target, start_on) as line 2" in loaded.reasons("roles.csv")[0]


def test_shareholders_may_be_persons_or_organisations(store: MemoryStore, tmp_path: Path) -> None:
    src = base_dir(tmp_path / "src")
    write(
        src, "shareholdings.csv", HOLDINGS + f"{ORG_B},{ORG_A},0.6,300,,,,\n{PERSON_1},{ORG_A},0.4,200,,,,\n"
    )
    loaded = run_load(store, src, tmp_path)
    assert loaded.rejects == [], loaded.rejects
    holders = {r.source_id: r.ratio for r in store.relations_of(ORG_A, as_of=None, direction="in")}
    assert holders == {ORG_B: 0.6, PERSON_1: 0.4}, holders


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (f"{PERSON_1},{ORG_A},1.2,,,,,", "ratio", "Input should be less than or equal to 1"),
        (f"{PERSON_1},{ORG_A},-0.1,,,,,", "ratio", "Input should be greater than or equal to 0"),
        (f"{PERSON_1},{ORG_A},60%,,,,,", "ratio", "ratio must be a number"),
        (f"{PERSON_1},{ORG_A},,,,,,", "ratio", "ratio is required (or subscribed_amount, to derive it)"),
        (f"{PERSON_1},{ORG_A},0.5,-3,,,,", "subscribed_amount", "Input should be greater than or equal to 0"),
        (f"{PERSON_1},{ORG_A},,0,,,,", "ratio", "ratio is empty and cannot be derived"),
        (f"{PERSON_1},{ORG_A},0.5,,,,,robot", "holder_type", "holder_type must be person or organization"),
        (f",{ORG_A},0.5,,,,,organization", "holder_id", "holder_id is required"),
        (
            f"{make_uscc(55)},{ORG_A},0.5,,,,,",
            "holder_id",
            "is not an organisation of this load or the store",
        ),
    ],
)
def test_each_bad_shareholding_cell_is_rejected_naming_column_and_reason(
    store: MemoryStore, tmp_path: Path, row: str, column: str, reason: str
) -> None:
    src = base_dir(tmp_path / "src")
    write(src, "shareholdings.csv", HOLDINGS + row + "\n")
    loaded = run_load(store, src, tmp_path)
    assert len(loaded.rejects) == 1 and loaded.rejects[0]["column"] == column, loaded.rejects
    assert reason in loaded.rejects[0]["reason"], loaded.rejects


def test_missing_ratios_are_derived_from_subscribed_amounts_per_organisation(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = base_dir(tmp_path / "src")
    rows = [
        f"{PERSON_1},{ORG_A},,600,2014-07-02,,,",
        f"{ORG_C},{ORG_B},0.5,100,2014-07-02,,,",  # another organisation: not in ORG_A's total
        f"非公示项,{ORG_A},,400,2014-07-02,,孙七,person",
        # an ended holding: its share is against the holdings that ran the day before it ended
        f"{PERSON_2},{ORG_A},,1000,2010-01-01,2014-07-02,,",
    ]
    write(src, "shareholdings.csv", HOLDINGS + "\n".join(rows) + "\n")
    loaded = run_load(store, src, tmp_path)
    assert loaded.rejects == [], loaded.rejects
    ratios = {r.source_id: r.ratio for r in store.relations_of(ORG_A, as_of=None, direction="in")}
    assert ratios == {PERSON_1: 0.6, unresolved_person_key(ORG_A, "孙七"): 0.4, PERSON_2: 1.0}, ratios


def test_practitioners_load_and_need_a_qualification(store: MemoryStore, tmp_path: Path) -> None:
    src = base_dir(tmp_path / "src")
    write(
        src,
        "practitioners.csv",
        "person_id,org_id,qualification,certificate_no,start_on,end_on\n"
        f"{PERSON_3},{ORG_B},一级注册建造师,湘1432014201500123,2015-01-10,\n"
        f"{PERSON_1},{ORG_B},,,,\n",
    )
    loaded = run_load(store, src, tmp_path)
    assert [(r["line"], r["column"], r["reason"]) for r in loaded.rejects] == [
        ("3", "qualification", "qualification is required")
    ], loaded.rejects
    [relation] = store.relations_of(ORG_B, as_of=None, direction="in")
    assert (relation.kind, relation.qualification, relation.certificate_no) == (
        RelationKind.PRACTITIONER,
        "一级注册建造师",
        "湘1432014201500123",
    )


def test_branches_link_two_known_organisations(store: MemoryStore, tmp_path: Path) -> None:
    src = base_dir(tmp_path / "src")
    write(
        src,
        "branches.csv",
        f"branch_id,parent_id,start_on,end_on\n{ORG_C},{ORG_A},2017-05-08,\n{ORG_A},{ORG_A},,\n"
        f"{ORG_B},{make_uscc(66)},,\n",
    )
    loaded = run_load(store, src, tmp_path)
    assert [(r["line"], r["column"]) for r in loaded.rejects] == [("3", "parent_id"), ("4", "parent_id")]
    assert loaded.rejects[0]["reason"] == "an organisation cannot be its own branch", loaded.rejects
    [relation] = store.relations_of(ORG_C, as_of=None, direction="out")
    assert (relation.kind, relation.target_id) == (RelationKind.BRANCH_OF, ORG_A)


def test_relation_files_load_under_chinese_headers(store: MemoryStore, tmp_path: Path) -> None:
    src = base_dir(tmp_path / "src")
    write(
        src,
        "roles.csv",
        f"人员证件号码,组织统一社会信用代码,角色,职务,起始日期\n{PERSON_1},{ORG_A},director,董事长,2020-01-01\n",
    )
    write(
        src,
        "shareholdings.csv",
        f"股东标识,组织统一社会信用代码,持股比例,认缴出资额\n{ORG_B},{ORG_A},0.4,400\n",
    )
    write(
        src,
        "practitioners.csv",
        f"人员证件号码,组织统一社会信用代码,执业资格,证书编号\n{PERSON_2},{ORG_A},一级注册建造师,湘1432\n",
    )
    write(src, "branches.csv", f"分支机构代码,隶属机构代码\n{ORG_C},{ORG_A}\n")
    loaded = run_load(store, src, tmp_path)
    assert loaded.report.failure is None and loaded.rejects == [] and loaded.warnings == [], loaded
    kinds = {(r.kind, r.source_id) for r in store.relations_of(ORG_A, as_of=None, direction="in")}
    assert kinds == {
        (RelationKind.DIRECTOR, PERSON_1),
        (RelationKind.SHAREHOLDER, ORG_B),
        (RelationKind.PRACTITIONER, PERSON_2),
        (RelationKind.BRANCH_OF, ORG_C),
    }, kinds


def test_a_relation_header_with_both_names_of_a_column_fails_naming_both(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = base_dir(tmp_path / "src")
    write(src, "roles.csv", f"person_id,org_id,role,角色\n{PERSON_1},{ORG_A},director,director\n")
    failure = run_load(store, src, tmp_path).report.failure or ""
    assert "'role'" in failure and "'角色'" in failure and "roles.csv" in failure, failure
