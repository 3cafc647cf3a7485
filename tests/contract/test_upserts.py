"""Upserts of organisations, persons, relations and entries: counts, idempotence, atomic refusal."""

from __future__ import annotations

import datetime as dt

import pytest

from graph_service.domain.model import Organization, OrgKind, OrgStatus, Person
from graph_service.errors import NotFound
from graph_service.store.base import GraphStore
from tests.contract.builders import DIRECTOR, LEGAL_REP, SHAREHOLDER, rel, seed
from tests.factories import (
    make_entry,
    make_org,
    make_person,
    make_relation,
    make_unresolved_person,
    make_uscc,
)


def test_new_organizations_are_counted_as_created(store: GraphStore) -> None:
    counts = store.upsert_organizations([make_org(1), make_org(2), make_org(3)])

    assert (counts.created, counts.updated, counts.unchanged) == (3, 0, 0), counts


def test_reupserting_the_same_organizations_changes_nothing_and_creates_no_duplicates(
    store: GraphStore,
) -> None:
    rows = [make_org(1), make_org(2)]
    store.upsert_organizations(rows)

    again = store.upsert_organizations(rows)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2), again
    assert store.counts()["organizations"] == 2, store.counts()
    assert [s.key for s in store.search_subjects(make_org(1).uscc)] == [make_org(1).uscc]


def test_changing_one_field_counts_as_updated_and_is_stored(store: GraphStore) -> None:
    store.upsert_organizations([make_org(1), make_org(2)])

    counts = store.upsert_organizations([make_org(1, name="改名后有限公司"), make_org(2)])

    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 1), counts
    stored = store.get_subjects([make_org(1).uscc])[make_org(1).uscc]
    assert stored.name == "改名后有限公司", stored


def test_a_stored_organization_reads_back_equal_in_every_field(store: GraphStore) -> None:
    org = make_org(
        7,
        kind=OrgKind.SOCIAL_ORG,
        status=OrgStatus.DEREGISTERED,
        established_on=dt.date(2011, 3, 15),
        industry="建筑业",
    )
    store.upsert_organizations([org])

    stored = store.get_subjects([org.uscc])

    assert stored == {org.uscc: org}, stored
    assert isinstance(stored[org.uscc], Organization)


def test_an_organization_without_region_gets_the_region_embedded_in_its_uscc(store: GraphStore) -> None:
    org = Organization(uscc=make_uscc(4, region="110105"), name="北京测试有限公司")
    store.upsert_organizations([org])

    stored = store.get_subjects([org.uscc])[org.uscc]

    assert stored.region == "110105", stored


def test_persons_are_created_then_unchanged_then_updated_by_key(store: GraphStore) -> None:
    first = store.upsert_persons([make_person(1), make_person(2)])
    same = store.upsert_persons([make_person(1), make_person(2)])
    renamed = store.upsert_persons([make_person(1, name="李四")])

    assert (first.created, first.updated, first.unchanged) == (2, 0, 0), first
    assert (same.created, same.updated, same.unchanged) == (0, 0, 2), same
    assert (renamed.created, renamed.updated, renamed.unchanged) == (0, 1, 0), renamed
    stored = store.get_subjects([make_person(1).key])[make_person(1).key]
    assert isinstance(stored, Person) and stored.name == "李四", stored
    assert store.counts()["persons"] == 2, store.counts()


def test_a_person_with_an_unresolved_key_is_stored_as_unresolved(store: GraphStore) -> None:
    org = make_org(1)
    store.upsert_organizations([org])
    ghost = make_unresolved_person(org, "张三")

    counts = store.upsert_persons([ghost])
    store.upsert_relations([rel(LEGAL_REP, ghost, org, dt.date(2020, 1, 1))])

    assert counts.created == 1, counts
    stored = store.get_subjects([ghost.key])[ghost.key]
    assert isinstance(stored, Person) and stored.unresolved and stored.region is None, stored
    assert [r.source_id for r in store.relations_of(org.uscc, as_of=None)] == [ghost.key]
    assert store.counts()["unresolved_persons"] == 1, store.counts()


def test_relations_are_created_then_unchanged_then_updated_by_identity(store: GraphStore) -> None:
    seed(store, org_numbers=[1], person_numbers=[1])
    relation = make_relation(
        DIRECTOR, make_person(1).key, make_org(1).uscc, dt.date(2020, 1, 1), title="董事"
    )

    first = store.upsert_relations([relation])
    same = store.upsert_relations([relation])
    retitled = store.upsert_relations([relation.model_copy(update={"title": "董事长"})])

    assert (first.created, first.updated, first.unchanged) == (1, 0, 0), first
    assert (same.created, same.updated, same.unchanged) == (0, 0, 1), same
    assert (retitled.created, retitled.updated, retitled.unchanged) == (0, 1, 0), retitled
    stored = store.relations_of(make_org(1).uscc, as_of=None)
    assert [(r.key, r.title) for r in stored] == [(relation.key, "董事长")], stored


def test_a_stored_relation_reads_back_equal_in_every_field(store: GraphStore) -> None:
    seed(store, org_numbers=[1, 2])
    holding = make_relation(
        SHAREHOLDER,
        make_org(1).uscc,
        make_org(2).uscc,
        dt.date(2019, 5, 1),
        end_on=dt.date(2023, 5, 1),
        source="工商登记2023",
        title="法人股东",
        ratio=0.35,
        subscribed_amount=3_500_000.0,
    )
    store.upsert_relations([holding])

    stored = store.relations_of(make_org(2).uscc, as_of=None)

    assert stored == [holding], stored


def test_relations_to_unknown_endpoints_raise_not_found_naming_every_missing_id(store: GraphStore) -> None:
    seed(store, org_numbers=[1], person_numbers=[1])
    missing_person, missing_org = make_person(8).key, make_org(9).uscc
    batch = [
        make_relation(LEGAL_REP, make_person(1).key, make_org(1).uscc, dt.date(2020, 1, 1)),
        make_relation(DIRECTOR, missing_person, make_org(1).uscc, dt.date(2020, 1, 1)),
        make_relation(DIRECTOR, make_person(1).key, missing_org, dt.date(2020, 1, 1)),
    ]

    with pytest.raises(NotFound) as caught:
        store.upsert_relations(batch)

    assert missing_person in str(caught.value), caught.value
    assert missing_org in str(caught.value), caught.value


def test_a_refused_relation_batch_writes_nothing(store: GraphStore) -> None:
    seed(store, org_numbers=[1], person_numbers=[1])
    version = store.data_version()
    counts_before = store.counts()
    batch = [
        make_relation(LEGAL_REP, make_person(1).key, make_org(1).uscc, dt.date(2020, 1, 1)),
        make_relation(DIRECTOR, make_person(8).key, make_org(1).uscc, dt.date(2020, 1, 1)),
    ]

    with pytest.raises(NotFound):
        store.upsert_relations(batch)

    assert store.relations_of(make_org(1).uscc, as_of=None) == []
    assert store.get_subjects([make_person(8).key]) == {}
    assert store.counts() == counts_before, (store.counts(), counts_before)
    assert store.data_version() == version


def test_entries_for_unknown_subjects_or_responsible_persons_raise_not_found_and_write_nothing(
    store: GraphStore,
) -> None:
    seed(store, org_numbers=[1], person_numbers=[1])
    missing_org, missing_person = make_org(9).uscc, make_person(8).key
    batch = [
        make_entry("E-1", make_org(1).uscc, responsible_person_ids=(make_person(1).key,)),
        make_entry("E-2", missing_org),
        make_entry("E-3", make_org(1).uscc, responsible_person_ids=(missing_person,)),
    ]
    version = store.data_version()

    with pytest.raises(NotFound) as caught:
        store.upsert_entries(batch)

    assert missing_org in str(caught.value), caught.value
    assert missing_person in str(caught.value), caught.value
    assert store.get_entries(["E-1", "E-2", "E-3"]) == {}
    assert store.entries_for([make_org(1).uscc]) == []
    assert store.entry_history("E-1") == []
    assert store.data_version() == version


def test_entries_are_created_then_unchanged_then_updated_by_entry_id(store: GraphStore) -> None:
    seed(store, org_numbers=[1])
    entry = make_entry("E-1", make_org(1).uscc)

    first = store.upsert_entries([entry])
    same = store.upsert_entries([entry])
    amended = store.upsert_entries([entry.model_copy(update={"reason": "虚开增值税专用发票"})])

    assert (first.created, first.updated, first.unchanged) == (1, 0, 0), first
    assert (same.created, same.updated, same.unchanged) == (0, 0, 1), same
    assert (amended.created, amended.updated, amended.unchanged) == (0, 1, 0), amended
    assert store.get_entries(["E-1"])["E-1"].reason == "虚开增值税专用发票"
    assert store.counts()["entries"] == 1, store.counts()


def test_unknown_ids_are_absent_from_get_subjects_and_get_entries(store: GraphStore) -> None:
    seed(store, org_numbers=[1], person_numbers=[1])
    store.upsert_entries([make_entry("E-1", make_org(1).uscc)])

    subjects = store.get_subjects(
        [make_org(1).uscc, make_org(2).uscc, make_person(1).key, make_person(2).key]
    )
    entries = store.get_entries(["E-1", "E-404"])

    assert sorted(subjects) == sorted([make_org(1).uscc, make_person(1).key]), subjects
    assert list(entries) == ["E-1"], entries
