"""List entries: read back, filters by list, status and validity, responsible persons, ordering."""

from __future__ import annotations

import datetime as dt

from graph_service.domain.model import CreditDomain, EntryFilter, EntryStatus, ListKind
from graph_service.store.base import GraphStore
from tests.contract.builders import seed
from tests.factories import make_entry, make_org, make_person

VALID_FROM = dt.date(2024, 1, 10)
VALID_UNTIL = dt.date(2025, 1, 9)


def _ids_for(store: GraphStore, subjects: list[str], flt: EntryFilter | None = None) -> list[str]:
    return [e.entry_id for e in store.entries_for(subjects, flt)]


def test_a_stored_entry_reads_back_equal_in_every_field(store: GraphStore) -> None:
    seed(store, org_numbers=[1], person_numbers=[1, 2])
    entry = make_entry(
        "430923-B-2024-0001",
        make_org(1).uscc,
        domain=CreditDomain.WORK_SAFETY,
        act_on=dt.date(2023, 11, 2),
        valid_until=VALID_UNTIL,
        basis="测应急罚〔2024〕1号",
        source_region="430923",
        responsible_person_ids=(make_person(2).key, make_person(1).key),
    )
    store.upsert_entries([entry])

    stored = store.get_entries([entry.entry_id])

    assert stored == {entry.entry_id: entry}, stored


def test_entries_for_subjects_are_sorted_by_entry_id(store: GraphStore) -> None:
    seed(store, org_numbers=[1, 2, 3])
    store.upsert_entries(
        [
            make_entry("E-3", make_org(1).uscc),
            make_entry("E-1", make_org(2).uscc),
            make_entry("E-2", make_org(1).uscc),
            make_entry("E-0", make_org(3).uscc),
        ]
    )

    assert _ids_for(store, [make_org(1).uscc, make_org(2).uscc]) == ["E-1", "E-2", "E-3"]
    assert _ids_for(store, [make_org(9).uscc]) == []


def test_entries_can_be_filtered_by_list(store: GraphStore) -> None:
    seed(store, org_numbers=[1])
    org = make_org(1).uscc
    store.upsert_entries(
        [
            make_entry("B-1", org, list=ListKind.BLACK),
            make_entry("R-1", org, list=ListKind.RED),
            make_entry("W-1", org, list=ListKind.WATCH),
        ]
    )

    assert _ids_for(store, [org], EntryFilter(lists=frozenset({ListKind.RED}))) == ["R-1"]
    assert _ids_for(store, [org], EntryFilter(lists=frozenset({ListKind.BLACK, ListKind.WATCH}))) == [
        "B-1",
        "W-1",
    ]


def test_entries_can_be_filtered_by_status(store: GraphStore) -> None:
    seed(store, org_numbers=[1])
    org = make_org(1).uscc
    store.upsert_entries(
        [
            make_entry("E-1", org, status=EntryStatus.ACTIVE),
            make_entry("E-2", org, status=EntryStatus.DISPUTED),
            make_entry("E-3", org, status=EntryStatus.REPAIRED),
        ]
    )

    disputed = EntryFilter(statuses=frozenset({EntryStatus.DISPUTED}))
    live = EntryFilter(statuses=frozenset({EntryStatus.ACTIVE, EntryStatus.DISPUTED}))
    assert _ids_for(store, [org], disputed) == ["E-2"]
    assert _ids_for(store, [org], live) == ["E-1", "E-2"]


def test_validity_includes_both_its_first_and_its_last_day(store: GraphStore) -> None:
    seed(store, org_numbers=[1])
    org = make_org(1).uscc
    store.upsert_entries([make_entry("E-1", org, valid_from=VALID_FROM, valid_until=VALID_UNTIL)])
    day = dt.timedelta(days=1)

    def on(when: dt.date) -> list[str]:
        return _ids_for(store, [org], EntryFilter(in_validity_on=when))

    assert on(VALID_FROM - day) == []
    assert on(VALID_FROM) == ["E-1"]
    assert on(VALID_UNTIL) == ["E-1"]
    assert on(VALID_UNTIL + day) == []


def test_an_entry_without_valid_from_is_valid_from_its_decision_day_and_open_ended(store: GraphStore) -> None:
    seed(store, org_numbers=[1])
    org = make_org(1).uscc
    store.upsert_entries([make_entry("E-1", org, decided_on=VALID_FROM)])

    assert store.get_entries(["E-1"])["E-1"].valid_from == VALID_FROM
    assert _ids_for(store, [org], EntryFilter(in_validity_on=VALID_FROM - dt.timedelta(days=1))) == []
    assert _ids_for(store, [org], EntryFilter(in_validity_on=dt.date(2040, 1, 1))) == ["E-1"]


def test_filters_combine_list_status_and_validity(store: GraphStore) -> None:
    seed(store, org_numbers=[1])
    org = make_org(1).uscc
    store.upsert_entries(
        [
            make_entry("E-1", org, valid_until=VALID_UNTIL),
            make_entry("E-2", org, valid_until=dt.date(2024, 3, 1)),
            make_entry("E-3", org, list=ListKind.RED, valid_until=VALID_UNTIL),
            make_entry("E-4", org, status=EntryStatus.REVOKED, valid_until=VALID_UNTIL),
        ]
    )
    flt = EntryFilter(
        lists=frozenset({ListKind.BLACK}),
        statuses=frozenset({EntryStatus.ACTIVE}),
        in_validity_on=dt.date(2024, 6, 1),
    )

    assert _ids_for(store, [org], flt) == ["E-1"]


def test_entries_naming_a_responsible_person_are_found_by_that_person(store: GraphStore) -> None:
    seed(store, org_numbers=[1, 2], person_numbers=[1, 2, 3])
    store.upsert_entries(
        [
            make_entry("E-2", make_org(2).uscc, responsible_person_ids=(make_person(1).key,)),
            make_entry(
                "E-1", make_org(1).uscc, responsible_person_ids=(make_person(1).key, make_person(2).key)
            ),
            make_entry("E-3", make_org(1).uscc),
            make_entry("E-4", make_person(3).key),
        ]
    )

    first = store.entries_naming_responsible([make_person(1).key])
    second = store.entries_naming_responsible([make_person(2).key, make_person(3).key])

    assert [e.entry_id for e in first] == ["E-1", "E-2"], first
    assert [e.entry_id for e in second] == ["E-1"], second


def test_entries_naming_responsible_apply_the_filter(store: GraphStore) -> None:
    seed(store, org_numbers=[1], person_numbers=[1])
    person = make_person(1).key
    store.upsert_entries(
        [
            make_entry("E-1", make_org(1).uscc, responsible_person_ids=(person,)),
            make_entry(
                "E-2", make_org(1).uscc, responsible_person_ids=(person,), status=EntryStatus.REPAIRED
            ),
        ]
    )

    active = store.entries_naming_responsible([person], EntryFilter(statuses=frozenset({EntryStatus.ACTIVE})))

    assert [e.entry_id for e in active] == ["E-1"], active


def test_an_entry_can_be_about_a_person(store: GraphStore) -> None:
    seed(store, person_numbers=[1])
    store.upsert_entries([make_entry("P-1", make_person(1).key, domain=CreditDomain.COURT_ENFORCEMENT)])

    assert _ids_for(store, [make_person(1).key]) == ["P-1"]


def test_updating_the_responsible_persons_moves_the_entry_between_them(store: GraphStore) -> None:
    seed(store, org_numbers=[1], person_numbers=[1, 2])
    entry = make_entry("E-1", make_org(1).uscc, responsible_person_ids=(make_person(1).key,))
    store.upsert_entries([entry])

    store.upsert_entries([entry.model_copy(update={"responsible_person_ids": (make_person(2).key,)})])

    assert store.entries_naming_responsible([make_person(1).key]) == []
    assert [e.entry_id for e in store.entries_naming_responsible([make_person(2).key])] == ["E-1"]
