"""Resolving an unresolved person (``~uscc~name``) into a person with a full ID number."""

from __future__ import annotations

import datetime as dt

from graph_service.domain.model import Person
from graph_service.store.base import GraphStore
from tests.contract.builders import DIRECTOR, LEGAL_REP, rel, seed
from tests.factories import make_entry, make_org, make_person, make_unresolved_person

START = dt.date(2021, 4, 1)


def _store_ghost(store: GraphStore) -> Person:
    """Organisation 1 whose legal representative is known only as 张三, named on entry E-1."""
    org = make_org(1)
    ghost = make_unresolved_person(org, "张三")
    seed(store, org_numbers=[1])
    store.upsert_persons([ghost])
    store.upsert_relations([rel(LEGAL_REP, ghost, org, START, title="执行董事兼总经理")])
    store.upsert_entries([make_entry("E-1", org.uscc, responsible_person_ids=(ghost.key,))])
    return ghost


def test_resolving_moves_relations_to_the_resolved_person(store: GraphStore) -> None:
    ghost = _store_ghost(store)
    real = make_person(1, name="张三")

    store.resolve_person(ghost.key, real)

    moved = store.relations_of(make_org(1).uscc, as_of=None)
    assert [(r.kind, r.source_id, r.start_on, r.title) for r in moved] == [
        (LEGAL_REP, real.key, START, "执行董事兼总经理")
    ], moved
    assert [r.target_id for r in store.relations_of(real.key, as_of=START)] == [make_org(1).uscc]


def test_resolving_removes_the_unresolved_person(store: GraphStore) -> None:
    ghost = _store_ghost(store)
    real = make_person(1, name="张三")

    store.resolve_person(ghost.key, real)

    assert store.get_subjects([ghost.key, real.key]) == {real.key: real}
    assert store.relations_of(ghost.key, as_of=None) == []
    assert store.counts().get("unresolved_persons", 0) == 0, store.counts()


def test_resolving_moves_responsibility_links_to_the_resolved_person(store: GraphStore) -> None:
    ghost = _store_ghost(store)
    real = make_person(1, name="张三")

    store.resolve_person(ghost.key, real)

    assert [e.entry_id for e in store.entries_naming_responsible([real.key])] == ["E-1"]
    assert store.entries_naming_responsible([ghost.key]) == []


def test_a_resolved_entry_names_the_resolved_person(store: GraphStore) -> None:
    ghost = _store_ghost(store)
    real = make_person(1, name="张三")

    store.resolve_person(ghost.key, real)

    assert store.get_entries(["E-1"])["E-1"].responsible_person_ids == (real.key,)


def test_resolving_into_an_already_stored_person_keeps_that_persons_relations(store: GraphStore) -> None:
    ghost = _store_ghost(store)
    real = make_person(1, name="张三")
    seed(store, org_numbers=[2], person_numbers=[1], relations=[rel(DIRECTOR, real, make_org(2), START)])

    store.resolve_person(ghost.key, real)

    held = store.relations_of(real.key, as_of=None)
    assert sorted((r.kind, r.target_id) for r in held) == sorted(
        [(LEGAL_REP, make_org(1).uscc), (DIRECTOR, make_org(2).uscc)]
    ), held


def test_resolving_an_unknown_unresolved_key_is_a_no_op(store: GraphStore) -> None:
    seed(store, org_numbers=[1])
    before = (store.counts(), store.data_version())
    real = make_person(1, name="张三")

    store.resolve_person(make_unresolved_person(make_org(1), "李四").key, real)

    assert store.get_subjects([real.key]) == {}
    assert (store.counts(), store.data_version()) == before
