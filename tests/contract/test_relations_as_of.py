"""Relations as of a date: the half-open interval [start_on, end_on), history, roles and direction."""

from __future__ import annotations

import datetime as dt

import pytest

from graph_service.domain.model import RelationKind
from graph_service.store.base import GraphStore
from tests.contract.builders import DIRECTOR, LEGAL_REP, SHAREHOLDER, rel, seed
from tests.factories import make_org, make_person

START = dt.date(2020, 3, 1)
END = dt.date(2022, 9, 1)
DAY = dt.timedelta(days=1)


def _keys_on(store: GraphStore, subject_id: str, day: dt.date | None) -> list[str]:
    return [r.key for r in store.relations_of(subject_id, as_of=day)]


@pytest.fixture
def ended_rep(store: GraphStore) -> str:
    """Person 1 was legal representative of organisation 1 over [START, END); returns the relation key."""
    relation = rel(LEGAL_REP, make_person(1), make_org(1), START, END)
    seed(store, org_numbers=[1], person_numbers=[1], relations=[relation])
    return relation.key


def test_a_role_ended_before_the_date_is_not_held_on_it(store: GraphStore, ended_rep: str) -> None:
    assert _keys_on(store, make_org(1).uscc, dt.date(2023, 1, 1)) == []


def test_a_role_ending_after_the_date_is_held_on_it(store: GraphStore, ended_rep: str) -> None:
    assert _keys_on(store, make_org(1).uscc, dt.date(2021, 6, 30)) == [ended_rep]


def test_a_role_is_held_on_its_start_day_but_not_the_day_before(store: GraphStore, ended_rep: str) -> None:
    assert _keys_on(store, make_org(1).uscc, START) == [ended_rep]
    assert _keys_on(store, make_org(1).uscc, START - DAY) == []


def test_a_role_is_not_held_on_its_end_day_but_on_the_day_before(store: GraphStore, ended_rep: str) -> None:
    assert _keys_on(store, make_org(1).uscc, END) == []
    assert _keys_on(store, make_org(1).uscc, END - DAY) == [ended_rep]


def test_without_as_of_the_whole_history_is_returned(store: GraphStore, ended_rep: str) -> None:
    assert _keys_on(store, make_org(1).uscc, None) == [ended_rep]
    assert _keys_on(store, make_person(1).key, None) == [ended_rep]


def test_open_ended_relations_hold_on_any_date_their_known_bound_allows(store: GraphStore) -> None:
    no_end = rel(DIRECTOR, make_person(1), make_org(1), START)
    no_start = rel(DIRECTOR, make_person(2), make_org(1), None, END)
    seed(store, org_numbers=[1], person_numbers=[1, 2], relations=[no_end, no_start])
    org = make_org(1).uscc

    assert _keys_on(store, org, dt.date(1990, 1, 1)) == [no_start.key]
    assert _keys_on(store, org, dt.date(2021, 1, 1)) == sorted([no_end.key, no_start.key])
    assert _keys_on(store, org, dt.date(2099, 12, 31)) == [no_end.key]


def test_closing_a_relation_by_reupserting_its_identity_with_end_on_updates_it_in_place(
    store: GraphStore,
) -> None:
    open_rel = rel(LEGAL_REP, make_person(1), make_org(1), START)
    seed(store, org_numbers=[1], person_numbers=[1], relations=[open_rel])

    counts = store.upsert_relations([open_rel.model_copy(update={"end_on": END})])

    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 0), counts
    history = store.relations_of(make_org(1).uscc, as_of=None)
    assert [(r.key, r.end_on) for r in history] == [(open_rel.key, END)], history
    assert _keys_on(store, make_org(1).uscc, END) == []


def test_a_new_term_with_a_later_start_is_a_new_relation_and_both_stay_in_history(store: GraphStore) -> None:
    first_term = rel(LEGAL_REP, make_person(1), make_org(1), START, END)
    second_term = rel(LEGAL_REP, make_person(1), make_org(1), dt.date(2024, 1, 1))
    seed(store, org_numbers=[1], person_numbers=[1], relations=[first_term])

    counts = store.upsert_relations([second_term])

    assert (counts.created, counts.updated) == (1, 0), counts
    assert _keys_on(store, make_org(1).uscc, None) == sorted([first_term.key, second_term.key])
    assert _keys_on(store, make_org(1).uscc, dt.date(2023, 1, 1)) == []
    assert _keys_on(store, make_org(1).uscc, dt.date(2024, 1, 1)) == [second_term.key]


def test_a_successor_starting_on_the_predecessors_end_day_alone_holds_the_role_that_day(
    store: GraphStore,
) -> None:
    predecessor = rel(LEGAL_REP, make_person(1), make_org(1), START, END)
    successor = rel(LEGAL_REP, make_person(2), make_org(1), END)
    seed(store, org_numbers=[1], person_numbers=[1, 2], relations=[predecessor, successor])

    on_change = store.role_holders(make_org(1).uscc, as_of=END)
    day_before = store.role_holders(make_org(1).uscc, as_of=END - DAY)
    history = store.role_holders(make_org(1).uscc, as_of=None)

    assert [r.source_id for r in on_change] == [make_person(2).key], on_change
    assert [r.source_id for r in day_before] == [make_person(1).key], day_before
    assert sorted(r.source_id for r in history) == sorted([make_person(1).key, make_person(2).key])


def test_role_holders_can_be_filtered_by_role(store: GraphStore) -> None:
    rep = rel(LEGAL_REP, make_person(1), make_org(1), START)
    director = rel(DIRECTOR, make_person(2), make_org(1), START)
    holder = rel(SHAREHOLDER, make_org(2), make_org(1), START, ratio=0.6)
    seed(store, org_numbers=[1, 2], person_numbers=[1, 2], relations=[rep, director, holder])
    org = make_org(1).uscc

    reps = store.role_holders(org, as_of=dt.date(2021, 1, 1), roles=frozenset({LEGAL_REP}))
    people = store.role_holders(org, as_of=dt.date(2021, 1, 1), roles=frozenset({LEGAL_REP, DIRECTOR}))
    everyone = store.role_holders(org, as_of=dt.date(2021, 1, 1))

    assert [r.key for r in reps] == [rep.key], reps
    assert [r.key for r in people] == sorted([rep.key, director.key]), people
    assert [r.key for r in everyone] == sorted([rep.key, director.key, holder.key]), everyone


def test_direction_out_gives_relations_the_subject_holds_and_in_those_it_is_held_by(
    store: GraphStore,
) -> None:
    rep = rel(LEGAL_REP, make_person(1), make_org(1), START)
    owns = rel(SHAREHOLDER, make_org(1), make_org(2), START, ratio=1.0)
    seed(store, org_numbers=[1, 2], person_numbers=[1], relations=[rep, owns])
    org = make_org(1).uscc

    outgoing = store.relations_of(org, as_of=None, direction="out")
    incoming = store.relations_of(org, as_of=None, direction="in")
    both = store.relations_of(org, as_of=None)

    assert [r.key for r in outgoing] == [owns.key], outgoing
    assert [r.key for r in incoming] == [rep.key], incoming
    assert [r.key for r in both] == sorted([rep.key, owns.key]), both


def test_relations_of_filters_by_kind_and_sorts_by_relation_key(store: GraphStore) -> None:
    relations = [
        rel(SHAREHOLDER, make_person(3), make_org(1), START, ratio=0.1),
        rel(DIRECTOR, make_person(2), make_org(1), START),
        rel(DIRECTOR, make_person(1), make_org(1), START),
        rel(RelationKind.SUPERVISOR, make_person(3), make_org(1), START),
    ]
    seed(store, org_numbers=[1], person_numbers=[1, 2, 3], relations=relations)

    directors = store.relations_of(make_org(1).uscc, as_of=None, kinds=frozenset({DIRECTOR}))
    every = store.relations_of(make_org(1).uscc, as_of=None)

    assert [r.source_id for r in directors] == [make_person(1).key, make_person(2).key], directors
    assert [r.key for r in every] == sorted(r.key for r in relations), every


def test_relations_of_an_unknown_subject_is_empty(store: GraphStore) -> None:
    seed(store, org_numbers=[1])

    assert store.relations_of(make_org(5).uscc, as_of=None) == []


def test_a_branch_is_linked_to_its_parent_organisation_in_both_directions(store: GraphStore) -> None:
    branch = rel(RelationKind.BRANCH_OF, make_org(2), make_org(1), START)
    seed(store, org_numbers=[1, 2], relations=[branch])

    parents = store.relations_of(make_org(2).uscc, as_of=START, direction="out")
    branches = store.relations_of(make_org(1).uscc, as_of=START, direction="in")

    assert parents == [branch] and branches == [branch], (parents, branches)
    assert store.counts()["branch_of"] == 1, store.counts()
