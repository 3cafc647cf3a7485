"""The court list as courts publish it: a two-year term, snapshot delisting, masked person IDs.

最高人民法院《关于公布失信被执行人名单信息的若干规定》: listed for two years in general, removed from
the published list when performed; real records mask persons' ID numbers (``3423011964****3224``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from graph_service.domain.feed import FeedEventKind
from graph_service.domain.lifecycle import TaskStatus
from graph_service.domain.masked_ids import masked_debtor_key
from graph_service.domain.model import EntryStatus
from graph_service.domain.workflow import TaskFilter
from graph_service.services.checks.catalog import default_catalog
from graph_service.services.checks.models import CheckRequest
from graph_service.services.checks.related_party import run_check
from graph_service.services.workflow.intake import LoadDoor
from graph_service.services.workflow.state import Policy
from graph_service.store.base import GraphStore
from loaders.formats.court import court_entry_id
from tests.factories import make_org, make_person
from tests.unit.loader_support import Loaded, run_load, write

HOME = "430923"
NOW = dt.datetime(2025, 6, 1, 9, 0, tzinfo=dt.UTC)
COURT = "安化县人民法院"
OTHER_COURT = "桃江县人民法院"
HEADER = (
    "被执行人姓名/名称,身份证号码/组织机构代码,执行法院,案号,立案时间,发布时间,失信被执行人行为具体情形\n"
)
ORGS = [make_org(n) for n in (1, 2, 3)]


def row(n: int, court: str = COURT, published: str = "2025-03-10") -> str:
    org = ORGS[n - 1]
    code = "0923" if court == COURT else "0922"
    return (
        f"{org.name},{org.uscc},{court},（2025）湘{code}执{n}号,2025-01-05,{published},有履行能力而拒不履行\n"
    )


def entry_id(n: int, court: str = COURT) -> str:
    code = "0923" if court == COURT else "0922"
    return court_entry_id(f"（2025）湘{code}执{n}号", ORGS[n - 1].name)


def load_court(store: GraphStore, tmp_path: Path, rows: str, name: str, *, snapshot: bool = False) -> Loaded:
    source = write(tmp_path / name, "失信被执行人名单.csv", HEADER + rows)
    door = LoadDoor(default_catalog(), Policy(home_region=HOME), "operator-li", NOW)
    loaded = run_load(store, source.parent, tmp_path, fmt="court", door=door, snapshot=snapshot)
    assert loaded.rejects == [], loaded.rejects
    return loaded


def test_an_entry_without_a_term_in_the_file_is_listed_for_two_years(
    store: GraphStore, tmp_path: Path
) -> None:
    store.upsert_organizations(ORGS)
    load_court(store, tmp_path, row(1), "first")
    entry = store.get_entries([entry_id(1)])[entry_id(1)]
    assert (entry.valid_from, entry.valid_until) == (dt.date(2025, 3, 10), dt.date(2027, 3, 9)), entry
    assert entry.effective_on(dt.date(2027, 3, 9)) and not entry.effective_on(dt.date(2027, 3, 10))


def test_a_snapshot_ends_the_entries_of_its_court_absent_from_it(store: GraphStore, tmp_path: Path) -> None:
    store.upsert_organizations(ORGS)
    load_court(store, tmp_path, row(1) + row(2) + row(3, OTHER_COURT), "first")
    gone = entry_id(2)
    assert store.get_tasks(TaskFilter(entry_id=gone)), "a listed debtor has tasks"
    loaded = load_court(store, tmp_path, row(1), "second", snapshot=True)
    entries = store.get_entries([entry_id(1), gone, entry_id(3, OTHER_COURT)])
    assert entries[entry_id(1)].status is EntryStatus.ACTIVE, "still on the list"
    assert entries[entry_id(3, OTHER_COURT)].status is EntryStatus.ACTIVE, (
        "another court's list is not this file"
    )
    assert (entries[gone].status, entries[gone].version) == (EntryStatus.REVOKED, 2), entries[gone]
    last = store.entry_history(gone)[-1]
    assert (last.to_status, last.reason) == (EntryStatus.REVOKED, "removed from the published list"), last
    assert last.actor == f"operator-li / {COURT}", last
    assert {t.status for t in store.get_tasks(TaskFilter(entry_id=gone))} == {TaskStatus.LIFTED}
    events = [e.event for e in store.feed_events(0, 100).events if e.entry.entry_id == gone]
    assert events == [FeedEventKind.CREATED, FeedEventKind.REVOKED], events
    assert any(gone in w["value"] for w in loaded.warnings), loaded.warnings


def test_without_snapshot_a_partial_file_ends_nothing(store: GraphStore, tmp_path: Path) -> None:
    store.upsert_organizations(ORGS)
    load_court(store, tmp_path, row(1) + row(2), "first")
    load_court(store, tmp_path, row(1), "second")
    assert store.get_entries([entry_id(2)])[entry_id(2)].status is EntryStatus.ACTIVE


PERSON_HEADER = (
    "iname,cardNum,sexy,age,courtName,caseCode,regDate,publishDate,partyTypeName,publishDateStamp,sitelink\n"
)


def person_row(masked: str, name: str = "张三") -> str:
    return (
        f"{name},{masked},男,31,{COURT},（2025）湘0923执77号,2025-01-05,2025-03-10,0,1741564800000,"
        "http://zxgk.court.gov.cn/shixin/\n"
    )


def load_people(store: GraphStore, tmp_path: Path, rows: str) -> Loaded:
    source = write(tmp_path / "people", "失信被执行人名单.csv", PERSON_HEADER + rows)
    door = LoadDoor(default_catalog(), Policy(home_region=HOME), "operator-li", NOW)
    return run_load(store, source.parent, tmp_path, fmt="court", door=door)


def test_a_masked_id_fitting_exactly_one_person_of_that_name_links_the_entry_with_a_warning(
    store: GraphStore, tmp_path: Path
) -> None:
    zhang = make_person(1, birth="19940101", name="张三")
    namesake = make_person(2, birth="19800101", name="张三")  # another birth year: does not fit
    store.upsert_persons([zhang, namesake])
    masked = zhang.key[:10] + "****" + zhang.key[14:]
    loaded = load_people(store, tmp_path, person_row(masked))
    assert loaded.rejects == [], loaded.rejects
    wanted = court_entry_id("（2025）湘0923执77号", "张三")
    assert store.get_entries([wanted])[wanted].subject_id == zhang.key
    [warning] = [w for w in loaded.warnings if w["column"] == "身份证号码/组织机构代码"]
    assert zhang.key in warning["reason"] and "the one stored person" in warning["reason"], warning


def test_a_masked_id_fitting_two_persons_is_a_possible_match_of_both_review_never_block(
    store: GraphStore, tmp_path: Path
) -> None:
    first = make_person(1, birth="19940101", name="张三")
    second = make_person(3, birth="19940202", name="张三")
    stranger = make_person(4, birth="19800303", name="张三")  # another birth year: does not fit
    store.upsert_persons([first, second, stranger])
    both_fit = first.key[:10] + "********"  # region and birth year visible: both men of 1994 fit

    loaded = load_people(store, tmp_path, person_row(both_fit))

    assert loaded.rejects == [], loaded.rejects
    wanted = court_entry_id("（2025）湘0923执77号", "张三")
    entry = store.get_entries([wanted])[wanted]
    assert entry.subject_id == masked_debtor_key(both_fit, "张三"), entry
    assert entry.subject_id not in (first.key, second.key), "never merged by name and a partial number"
    [warning] = [w for w in loaded.warnings if w["column"] == "身份证号码/组织机构代码"]
    assert "2 stored persons named 张三 fit" in warning["reason"], warning
    catalog = default_catalog()
    for person, fits_it in ((first, True), (second, True), (stranger, False)):
        request = CheckRequest(subject_id=person.key, scenario="bidding", as_of=NOW.date())
        result = run_check(store, catalog, request, as_of=NOW.date(), fan_out_limit=200)
        matched = [m.subject_id for m in result.possible_matches]
        assert matched == ([entry.subject_id] if fits_it else []), (person.key, result.possible_matches)
        assert result.verdict == ("review" if fits_it else "pass"), (person.key, result.verdict)
        assert [e.entry_id for m in result.possible_matches for e in m.entries] == (
            [wanted] if fits_it else []
        )
