"""Format v1 ``organizations.csv`` and ``persons.csv``: column rules, defaults, reject reasons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph_service.domain.model import Organization, OrgKind, OrgStatus, Person, unresolved_person_key
from graph_service.store.memory import MemoryStore
from tests.factories import make_id_number, make_uscc
from tests.unit.loader_support import BORN, ORG_A, ORGS_CSV, PERSON_1, run_load, write


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore(None)


def test_organisation_columns_load_with_their_defaults(store: MemoryStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    other = make_uscc(9, region="445302")
    write(
        src,
        "organizations.csv",
        "industry,uscc,name,kind,region,status,established_on,notes\n"  # column order is free
        f"茶叶加工,{ORG_A},安化县甲茶业有限公司,,,,2016-03-18,ignored\n"
        f"建筑业,{other.lower()},云城区乙公司,social_org,445300,revoked,,\n",
    )
    loaded = run_load(store, src, tmp_path)
    assert loaded.rejects == [] and loaded.file("organizations.csv").created == 2, loaded.rejects
    first = store.get_subjects([ORG_A])[ORG_A]
    assert first == Organization(
        uscc=ORG_A,
        name="安化县甲茶业有限公司",
        kind=OrgKind.ENTERPRISE,
        region="430923",
        status=OrgStatus.ACTIVE,
        established_on=dt.date(2016, 3, 18),
        industry="茶叶加工",
    ), first
    second = store.get_subjects([other])[other]
    assert isinstance(second, Organization)
    assert (second.kind, second.region, second.status) == (OrgKind.SOCIAL_ORG, "445300", OrgStatus.REVOKED)


def test_an_unknown_column_is_one_warning_for_the_file(store: MemoryStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(src, "organizations.csv", f"uscc,name,notes,owner\n{ORG_A},甲,x,y\n{make_uscc(2)},乙,x,y\n")
    loaded = run_load(store, src, tmp_path)
    assert [w["reason"] for w in loaded.warnings] == ["unknown column(s) ignored: notes, owner"], (
        loaded.warnings
    )
    assert loaded.file("organizations.csv").created == 2


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (",甲,,,,,", "uscc", "uscc is required"),
        ("91430923MA4L2B3C1,甲,,,,,", "uscc", "USCC must have 18 characters, has 17"),
        ("91430923MA4L2B3C1K,甲,,,,,", "uscc", "USCC check character is K, expected J"),
        (
            "91430923MA4L2B3CIJ,甲,,,,,",
            "uscc",
            "USCC contains characters outside 0-9/A-Y (no I, O, Z, S, V): I",
        ),
        (f"{ORG_A},,,,,,", "name", "name is required"),
        (f"{ORG_A},{'名' * 201},,,,,", "name", "String should have at most 200 characters"),
        (f"{ORG_A},甲,company,,,,", "kind", "Input should be 'enterprise', 'social_org' or 'institution'"),
        (f"{ORG_A},甲,,4309,,,", "region", "String should match pattern '^\\d{6}$'"),
        (f"{ORG_A},甲,,,closed,,", "status", "Input should be 'active', 'deregistered' or 'revoked'"),
        (f"{ORG_A},甲,,,,2016/03/18,", "established_on", "established_on must be a date as YYYY-MM-DD"),
        (f"{ORG_A},甲,,,,2016-02-30,", "established_on", "established_on must be a date as YYYY-MM-DD"),
        (f"{ORG_A},甲,,,,,{'业' * 101}", "industry", "String should have at most 100 characters"),
    ],
)
def test_each_bad_organisation_cell_is_rejected_naming_column_and_reason(
    store: MemoryStore, tmp_path: Path, row: str, column: str, reason: str
) -> None:
    src = tmp_path / "src"
    write(src, "organizations.csv", f"uscc,name,kind,region,status,established_on,industry\n{row}\n")
    loaded = run_load(store, src, tmp_path)
    assert [(r["line"], r["column"], r["reason"]) for r in loaded.rejects] == [("2", column, reason)], (
        loaded.rejects
    )
    assert store.counts()["organizations"] == 0


def test_a_row_with_several_problems_reports_all_of_them_once(store: MemoryStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(src, "organizations.csv", "uscc,name,kind\n91430923MA4L2B3C1K,,club\n")
    loaded = run_load(store, src, tmp_path)
    assert sorted(r["column"] for r in loaded.rejects) == ["kind", "name", "uscc"], loaded.rejects
    assert loaded.file("organizations.csv").rejected == 1


def test_an_identical_repeat_is_skipped_and_a_conflicting_one_rejected(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    write(src, "organizations.csv", f"uscc,name\n{ORG_A},甲\n{ORG_A},甲\n{ORG_A},甲改名\n")
    loaded = run_load(store, src, tmp_path)
    report = loaded.file("organizations.csv")
    assert (report.created, report.skipped, report.rejected) == (1, 1, 1), report
    assert loaded.warnings[0]["reason"] == "repeats line 2; skipped", loaded.warnings
    assert loaded.rejects[0]["line"] == "4" and "already given on line 2" in loaded.rejects[0]["reason"]
    assert store.get_subjects([ORG_A])[ORG_A].name == "甲"


def test_an_organisation_code_check_digit_mismatch_is_a_warning_not_a_reject(
    store: MemoryStore, tmp_path: Path
) -> None:
    from stdnum.cn import uscc

    code17 = "91430923MA4L2B3C2"  # the embedded organisation code's own check character is wrong
    code = code17 + uscc.calc_check_digit(code17)
    src = tmp_path / "src"
    write(src, "organizations.csv", f"uscc,name\n{code},甲\n")
    loaded = run_load(store, src, tmp_path)
    assert loaded.rejects == [] and code in store.get_subjects([code])
    assert "check digit mismatch (GB 11714)" in loaded.warnings[0]["reason"], loaded.warnings


def test_person_columns_load_and_region_defaults_to_the_id_prefix(store: MemoryStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    other = make_id_number(5, region="445302", birth=BORN)
    write(src, "persons.csv", f"name,id_number,region\n张三,{PERSON_1},\n李四,{other.lower()},430923\n")
    loaded = run_load(store, src, tmp_path)
    assert loaded.rejects == [], loaded.rejects
    assert store.get_subjects([PERSON_1])[PERSON_1] == Person(key=PERSON_1, name="张三", region="430923")
    assert store.get_subjects([other])[other].region == "430923"


def test_an_id_prefix_unknown_for_the_birth_year_is_a_warning(store: MemoryStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    old = make_id_number(7, region="430923", birth="19800101")  # 安化县 was 432326 until 1994
    write(src, "persons.csv", f"id_number,name\n{old},张三\n")
    loaded = run_load(store, src, tmp_path)
    assert loaded.rejects == [] and old in store.get_subjects([old])
    assert (
        loaded.warnings[0]["reason"] == "place-of-registration prefix 430923 is unknown for birth year 1980"
    )


def test_an_id_prefix_whose_province_is_known_but_not_its_county_is_a_warning_not_a_crash(
    store: MemoryStore, tmp_path: Path
) -> None:
    # 110199: 北京市 is in python-stdnum's table, county 0199 is not (its get_birth_place raises KeyError).
    stray = make_id_number(3, region="110199", birth=BORN)
    src = tmp_path / "src"
    write(src, "persons.csv", f"id_number,name\n{stray},张三\n{PERSON_1},李四\n")
    loaded = run_load(store, src, tmp_path)
    assert loaded.rejects == [] and set(store.get_subjects([stray, PERSON_1])) == {stray, PERSON_1}
    assert loaded.warnings[0]["reason"].startswith("place-of-registration prefix 110199 is unknown"), (
        loaded.warnings
    )


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("43092319950101001,张三,", "id_number", "ID number must have 18 characters, has 17"),
        ("430923199501010019,张三,", "id_number", "ID number check digit is 9, expected"),
        ("430923199502300017,张三,", "id_number", "ID number has an impossible birth date 19950230"),
        ("91430923MA4L2B3C1J,张三,", "id_number", "ID number must be 17 digits followed by a digit or X"),
        (f"{PERSON_1},,", "name", "name is required"),
        (f"{PERSON_1},张三,43092", "region", "String should match pattern"),
        (",张三,", "id_number", "id_number is missing or withheld; give org_id"),
        ("4309231995****0013,张三,", "id_number", "id_number is missing or withheld; give org_id"),
    ],
)
def test_each_bad_person_cell_is_rejected_naming_column_and_reason(
    store: MemoryStore, tmp_path: Path, row: str, column: str, reason: str
) -> None:
    src = tmp_path / "src"
    write(src, "persons.csv", f"id_number,name,region\n{row}\n")
    loaded = run_load(store, src, tmp_path)
    assert len(loaded.rejects) == 1 and loaded.rejects[0]["column"] == column, loaded.rejects
    assert loaded.rejects[0]["reason"].startswith(reason), loaded.rejects


def test_a_person_row_with_a_withheld_id_and_an_org_is_an_unresolved_person(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    write(src, "organizations.csv", ORGS_CSV)
    write(src, "persons.csv", f"id_number,name,org_id\n非公示项,赵六,{ORG_A}\n")
    loaded = run_load(store, src, tmp_path)
    key = unresolved_person_key(ORG_A, "赵六")
    person = store.get_subjects([key])[key]
    assert isinstance(person, Person) and person.unresolved and person.region is None, person
    assert loaded.rejects == []


def test_a_person_scoped_to_an_unknown_org_is_rejected(store: MemoryStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(src, "persons.csv", f"id_number,name,org_id\n非公示项,赵六,{ORG_A}\n")
    loaded = run_load(store, src, tmp_path)
    assert loaded.rejects[0]["column"] == "org_id", loaded.rejects
    assert "is not an organisation of this load or the store" in loaded.rejects[0]["reason"]


def test_organisations_and_persons_load_under_chinese_headers(store: MemoryStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(
        src,
        "organizations.csv",
        f"统一社会信用代码,名称,地区,成立日期,行业\n{ORG_A},甲公司,430923,2016-03-18,茶叶\n",
    )
    write(src, "persons.csv", f"身份证号码,姓名,所属组织\n{PERSON_1},张三,{ORG_A}\n")
    loaded = run_load(store, src, tmp_path)
    assert loaded.report.failure is None and loaded.rejects == [] and loaded.warnings == [], loaded
    org = store.get_subjects([ORG_A])[ORG_A]
    assert isinstance(org, Organization) and (org.name, org.industry) == ("甲公司", "茶叶"), org
    assert org.established_on == dt.date(2016, 3, 18), org
    assert store.get_subjects([PERSON_1])[PERSON_1].name == "张三"


def test_a_header_giving_one_column_in_english_and_chinese_fails_the_load_naming_both(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    write(src, "organizations.csv", f"uscc,name,统一社会信用代码\n{ORG_A},甲,{ORG_A}\n")
    loaded = run_load(store, src, tmp_path)
    failure = loaded.report.failure or ""
    assert "'uscc'" in failure and "'统一社会信用代码'" in failure, failure
    assert store.get_subjects([ORG_A]) == {}, "nothing is written when a header is refused"


def test_every_format_v1_column_has_a_chinese_header() -> None:
    from loaders.formats.v1_headers import COLUMN_NAMES_ZH
    from loaders.pipeline import V1_FILES

    missing = [(name, c) for name, kind in V1_FILES for c in kind(name).columns if c not in COLUMN_NAMES_ZH]
    assert missing == [], missing
