"""Counts, data version, subject search and clearing the store."""

from __future__ import annotations

import datetime as dt

from graph_service.domain.model import EntryStatus, ListKind
from graph_service.store.base import GraphStore
from tests.contract.builders import DIRECTOR, LEGAL_REP, SHAREHOLDER, rel, seed
from tests.factories import make_entry, make_org, make_person, make_unresolved_person

START = dt.date(2020, 1, 1)


def _populate(store: GraphStore) -> None:
    """3 organisations, 2 persons + 1 unresolved, 2 legal reps, 1 director, 1 shareholding, 3 entries."""
    org1, org2, org3 = make_org(1), make_org(2), make_org(3)
    ghost = make_unresolved_person(org3, "赵六")
    seed(store, org_numbers=[1, 2, 3], person_numbers=[1, 2])
    store.upsert_persons([ghost])
    store.upsert_relations(
        [
            rel(LEGAL_REP, make_person(1), org1, START),
            rel(LEGAL_REP, ghost, org3, START),
            rel(DIRECTOR, make_person(2), org1, START),
            rel(SHAREHOLDER, org1, org2, START, ratio=0.51),
        ]
    )
    store.upsert_entries(
        [
            make_entry("E-1", org1.uscc),
            make_entry("E-2", org2.uscc),
            make_entry("E-3", org1.uscc, list=ListKind.RED, status=EntryStatus.REVOKED),
        ]
    )


def test_counts_report_nodes_relation_kinds_and_entries_by_list_and_status(store: GraphStore) -> None:
    _populate(store)

    counts = store.counts()

    expected = {
        "organizations": 3,
        "unresolved_persons": 1,
        LEGAL_REP.value: 2,
        DIRECTOR.value: 1,
        SHAREHOLDER.value: 1,
        "entries": 3,
        "entries:black:active": 2,
        "entries:red:revoked": 1,
    }
    assert {key: counts.get(key) for key in expected} == expected, counts
    assert counts.get("supervisor", 0) == 0 and counts.get("entries:watch:active", 0) == 0, counts


def test_counts_of_resolved_and_unresolved_persons_are_disjoint(store: GraphStore) -> None:
    _populate(store)
    before = store.counts()

    store.resolve_person(make_unresolved_person(make_org(3), "赵六").key, make_person(3, name="赵六"))

    after = store.counts()

    # "persons" are the persons known by an ID number; "unresolved_persons" those known only by name.
    assert (before["persons"], before["unresolved_persons"]) == (2, 1), before
    assert (after["persons"], after.get("unresolved_persons", 0)) == (3, 0), after


def test_counts_of_an_empty_store_are_all_zero(store: GraphStore) -> None:
    counts = store.counts()

    assert all(value == 0 for value in counts.values()), counts
    assert counts.get("organizations", 0) == 0 and counts.get("entries", 0) == 0, counts


def test_data_version_grows_with_each_changing_write(store: GraphStore) -> None:
    versions = [store.data_version()]
    store.upsert_organizations([make_org(1)])
    versions.append(store.data_version())
    store.upsert_persons([make_person(1)])
    versions.append(store.data_version())
    store.upsert_relations([rel(LEGAL_REP, make_person(1), make_org(1), START)])
    versions.append(store.data_version())
    store.upsert_entries([make_entry("E-1", make_org(1).uscc)])
    versions.append(store.data_version())
    store.upsert_organizations([make_org(1, name="新名称有限公司")])
    versions.append(store.data_version())

    assert all(a < b for a, b in zip(versions, versions[1:], strict=False)), versions


def test_data_version_stays_put_on_an_unchanged_reupsert(store: GraphStore) -> None:
    _populate(store)
    before = store.data_version()

    store.upsert_organizations([make_org(1), make_org(2)])
    store.upsert_persons([make_person(1)])
    store.upsert_relations([rel(LEGAL_REP, make_person(1), make_org(1), START)])
    store.upsert_entries([make_entry("E-1", make_org(1).uscc)])

    assert store.data_version() == before


def test_search_finds_subjects_by_a_name_substring(store: GraphStore) -> None:
    seed(store, org_numbers=[1, 2, 12], person_numbers=[1])
    store.upsert_organizations([make_org(5, name="湘江建工集团有限公司")])

    found = store.search_subjects("建工")
    numbered = store.search_subjects("企业1")

    assert [s.key for s in found] == [make_org(5).uscc], found
    assert sorted(s.key for s in numbered) == sorted([make_org(1).uscc, make_org(12).uscc]), numbered


def test_search_by_name_ignores_case(store: GraphStore) -> None:
    seed(store, org_numbers=[1])
    store.upsert_organizations([make_org(2, name="Hunan ABC Trading Co., Ltd.")])

    found = store.search_subjects("abc trading")

    assert [s.key for s in found] == [make_org(2).uscc], found


def test_search_finds_subjects_by_a_key_prefix_not_a_key_infix(store: GraphStore) -> None:
    seed(store, org_numbers=[1], person_numbers=[1, 2])
    person = make_person(1).key

    by_prefix = store.search_subjects(person[:17])
    by_infix = store.search_subjects(person[6:14])
    lowercase_uscc = store.search_subjects(make_org(1).uscc.lower())

    assert [s.key for s in by_prefix] == [person], by_prefix
    assert by_infix == [], by_infix
    assert [s.key for s in lowercase_uscc] == [make_org(1).uscc], lowercase_uscc


def test_search_returns_at_most_limit_subjects(store: GraphStore) -> None:
    seed(store, org_numbers=range(1, 8))

    found = store.search_subjects("测试企业", limit=3)

    assert len(found) == 3, found
    assert {s.key for s in found} <= {make_org(n).uscc for n in range(1, 8)}, found


def test_clear_empties_the_store(store: GraphStore) -> None:
    _populate(store)

    store.clear()

    assert all(value == 0 for value in store.counts().values()), store.counts()
    assert store.get_subjects([make_org(1).uscc, make_person(1).key]) == {}
    assert store.get_entries(["E-1"]) == {}
    assert store.entry_history("E-1") == []
    assert store.search_subjects("测试") == []
    assert store.relations_of(make_org(1).uscc, as_of=None) == []


def test_ping_answers_on_a_live_store(store: GraphStore) -> None:
    store.ping()

    assert store.counts().get("organizations", 0) == 0


def test_subjects_after_pages_through_every_subject_once_in_key_order(store: GraphStore) -> None:
    _populate(store)
    everyone = sorted(s.key for s in store.search_subjects("", limit=100))
    pages: list[list[str]] = []
    after: str | None = None
    while page := store.subjects_after(after, 2):
        pages.append([s.key for s in page])
        after = page[-1].key

    assert [key for page in pages for key in page] == everyone, pages
    assert all(len(page) <= 2 for page in pages) and len(everyone) == 6, pages
    assert store.subjects_after(everyone[-1], 10) == [] and store.subjects_after(None, 0) == []
