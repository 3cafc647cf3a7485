"""The embedded check view's walk keeps each subject's expansion per data version: a write is seen.

The contract suite proves the walk equals the port's; these prove its cache never outlives the data it
was computed from (a relation added, or one ended, shows in the next view) and keeps dates apart.
"""

from __future__ import annotations

import datetime as dt

from graph_service.store.memory import MemoryStore
from tests.contract.builders import DIRECTOR, LEGAL_REP, rel
from tests.factories import make_org, make_person

TODAY = dt.date(2024, 6, 1)


def test_a_relation_written_after_a_view_is_walked_by_the_next_view() -> None:
    store = MemoryStore(None)
    try:
        orgs, person = [make_org(1), make_org(2)], make_person(1)
        store.upsert_organizations(orgs)
        store.upsert_persons([person])
        store.upsert_relations([rel(LEGAL_REP, person, orgs[0], dt.date(2020, 1, 1))])
        before = store.check_view(person.key, depth=2, as_of=TODAY, limit_per_node=200)
        store.upsert_relations([rel(DIRECTOR, person, orgs[1], dt.date(2020, 1, 1))])
        after = store.check_view(person.key, depth=2, as_of=TODAY, limit_per_node=200)
        assert set(before.neighbourhood.paths) == {person.key, orgs[0].uscc}, before.neighbourhood
        assert set(after.neighbourhood.paths) == {person.key, orgs[0].uscc, orgs[1].uscc}, after.neighbourhood
        assert after.neighbourhood.paths[orgs[1].uscc].steps[0].relation.kind is DIRECTOR
    finally:
        store.close()


def test_a_walk_on_one_date_does_not_answer_for_another() -> None:
    store = MemoryStore(None)
    try:
        org, person = make_org(1), make_person(1)
        store.upsert_organizations([org])
        store.upsert_persons([person])
        store.upsert_relations([rel(LEGAL_REP, person, org, dt.date(2023, 1, 1))])
        early = store.check_view(person.key, depth=1, as_of=dt.date(2022, 1, 1), limit_per_node=200)
        later = store.check_view(person.key, depth=1, as_of=TODAY, limit_per_node=200)
        history = store.check_view(person.key, depth=1, as_of=None, limit_per_node=200)
        assert list(early.neighbourhood.paths) == [person.key], early.neighbourhood
        assert set(later.neighbourhood.paths) == {person.key, org.uscc}, later.neighbourhood
        assert set(history.neighbourhood.paths) == {person.key, org.uscc}, history.neighbourhood
    finally:
        store.close()


def test_the_limit_per_node_cuts_a_cached_expansion_as_a_fresh_one() -> None:
    store = MemoryStore(None)
    try:
        person, orgs = make_person(1), [make_org(n) for n in range(1, 6)]
        store.upsert_organizations(orgs)
        store.upsert_persons([person])
        store.upsert_relations([rel(DIRECTOR, person, org, dt.date(2020, 1, 1)) for org in orgs])
        wide = store.check_view(person.key, depth=1, as_of=TODAY, limit_per_node=200)
        cut = store.check_view(person.key, depth=1, as_of=TODAY, limit_per_node=2)
        assert len(wide.neighbourhood.paths) == 6 and not wide.neighbourhood.truncated, wide.neighbourhood
        assert len(cut.neighbourhood.paths) == 3 and cut.neighbourhood.truncated_at == (person.key,), cut
    finally:
        store.close()
