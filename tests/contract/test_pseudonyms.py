"""Persons found by the pseudonyms of their ID numbers, and a peer's pseudonymous person merged at load."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph_service.domain.model import Person
from graph_service.domain.pseudonyms import Pseudonymiser
from graph_service.errors import InvalidInput
from graph_service.store.base import GraphStore
from tests.factories import make_entry, make_org, make_person

OLD = Pseudonymiser(keys={"k1": b"k1-secret-of-the-federation-32chars!"}, current="k1")
ROTATED = Pseudonymiser(
    keys={"k1": b"k1-secret-of-the-federation-32chars!", "k2": b"k2-secret-of-the-federation-32chars!"},
    current="k2",
)


@pytest.fixture
def keyed(store: GraphStore) -> Iterator[GraphStore]:
    """The store indexing persons under the federation's keys (reset after: Neo4j's store is shared)."""
    store.use_pseudonymiser(ROTATED)
    yield store
    store.use_pseudonymiser(None)


def test_a_person_is_found_by_the_pseudonym_of_its_id_number_under_every_key(keyed: GraphStore) -> None:
    person = make_person(1)
    keyed.upsert_persons([person])

    current, old = ROTATED.pseudonyms(person.key)
    stranger = ROTATED.pseudonym(make_person(2).key)

    assert keyed.persons_by_pseudonym([current, old, stranger]) == {current: person.key, old: person.key}
    assert OLD.pseudonym(person.key) == old


def test_a_pseudonymous_person_is_merged_when_a_person_with_that_id_is_loaded(keyed: GraphStore) -> None:
    org = make_org(1)
    person = make_person(1, name="张三")
    ghost = Person(key=OLD.pseudonym(person.key), name="张三")
    keyed.upsert_organizations([org])
    keyed.upsert_persons([ghost])
    keyed.upsert_entries([make_entry("E-1", org.uscc, responsible_person_ids=(ghost.key,))])

    keyed.upsert_persons([person])

    assert keyed.get_subjects([ghost.key, person.key]) == {person.key: person}
    assert [e.entry_id for e in keyed.entries_naming_responsible([person.key])] == ["E-1"]


def test_persons_loaded_before_the_keys_are_found_after_a_reindex(store: GraphStore) -> None:
    person = make_person(1)
    store.upsert_persons([person])
    try:
        store.use_pseudonymiser(ROTATED)
        store.reindex_pseudonyms()
        found = store.persons_by_pseudonym([ROTATED.pseudonym(person.key)])
    finally:
        store.use_pseudonymiser(None)

    assert found == {ROTATED.pseudonym(person.key): person.key}


def test_a_value_that_is_not_a_pseudonym_is_refused(keyed: GraphStore) -> None:
    with pytest.raises(InvalidInput):
        keyed.persons_by_pseudonym([make_person(1).key])


def test_a_check_of_an_id_never_loaded_reads_the_pseudonymous_person_it_has(keyed: GraphStore) -> None:
    person, other = make_person(1), make_person(2)
    ghost = Person(key=OLD.pseudonym(person.key), name="张三")
    keyed.upsert_persons([ghost, other])

    assert keyed.key_held_for(person.key) == ghost.key
    assert keyed.key_held_for(other.key) == other.key
    assert keyed.key_held_for(make_org(1).uscc) == make_org(1).uscc
