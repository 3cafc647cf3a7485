"""The embedded check view's walk keeps each subject's expansion per data version: a write is seen.

The contract suite proves the walk equals the port's; these prove its cache never outlives the data it
was computed from (a relation added, or one ended, shows in the next view) and keeps dates apart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from graph_service.domain.propagation import PersonalLink
from graph_service.store.memory import MemoryStore, check_reads
from tests.contract.builders import DIRECTOR, LEGAL_REP, make_link, rel
from tests.factories import make_entry, make_org, make_person

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


def _hub_store() -> tuple[MemoryStore, str, list[str]]:
    """A person on six boards, two of them twice (director, then legal representative)."""
    store = MemoryStore(None)
    person, orgs = make_person(1), [make_org(n) for n in range(1, 7)]
    store.upsert_organizations(orgs)
    store.upsert_persons([person])
    links = [rel(DIRECTOR, person, org, dt.date(2020, 1, 1)) for org in orgs]
    links += [rel(LEGAL_REP, person, org, dt.date(2021, 1, 1)) for org in orgs[:2]]
    store.upsert_relations(links)
    return store, person.key, [org.uscc for org in orgs]


def test_a_hub_cut_at_one_limit_answers_every_limit_as_a_fresh_walk() -> None:
    # Cut expansions are held per limit: a narrow walk must not answer a wider one, nor the reverse,
    # and a two-link neighbour straddling the limit is cut where a fresh walk cuts it.
    store, hub, orgs = _hub_store()
    try:
        fresh = {}
        for limit in (1, 2, 3, 4, 200):
            other, _, _ = _hub_store()
            fresh[limit] = other.check_view(hub, depth=1, as_of=TODAY, limit_per_node=limit).neighbourhood
            other.close()
        for limit in (3, 1, 200, 2, 4, 3, 1):
            seen = store.check_view(hub, depth=1, as_of=TODAY, limit_per_node=limit).neighbourhood
            assert list(seen.paths) == list(fresh[limit].paths), (limit, seen)
            assert seen.truncated_at == fresh[limit].truncated_at, (limit, seen)
        assert list(fresh[2].paths) == [hub, orgs[0]] and fresh[2].truncated  # org 1's two links: 0, 1
        assert list(fresh[3].paths) == [hub, orgs[0], orgs[1]] and fresh[3].truncated
        assert not fresh[200].truncated and len(fresh[200].paths) == 7
    finally:
        store.close()


def test_hubs_outlive_the_restart_of_the_other_expansions_but_not_a_write(monkeypatch: Any) -> None:
    monkeypatch.setattr(check_reads.Expansions, "LIMIT", 2)
    store, hub, orgs = _hub_store()
    try:
        first = store.check_view(hub, depth=2, as_of=TODAY, limit_per_node=3).neighbourhood
        held = check_reads._EXPANSIONS[store._state]
        assert list(held.hubs) == [(hub, TODAY, 3)], held.hubs
        cut = held.hubs[(hub, TODAY, 3)]
        for org in orgs:  # more subjects than LIMIT: the small expansions start again, the hub stays
            store.check_view(org, depth=1, as_of=TODAY, limit_per_node=3)
        assert held.hubs[(hub, TODAY, 3)] is cut and len(held.by_subject) <= 2
        assert store.check_view(hub, depth=2, as_of=TODAY, limit_per_node=3).neighbourhood == first
        # A write moves the data version on: the hub's links are read again (org 3 now has two).
        extra = rel(LEGAL_REP, make_person(1), make_org(3), dt.date(2021, 1, 1))
        store.upsert_relations([extra])
        after = store.check_view(hub, depth=1, as_of=TODAY, limit_per_node=4).neighbourhood
        assert held.hubs[(hub, TODAY, 4)] is not cut
        fresh, _, _ = _hub_store()
        fresh.upsert_relations([extra])
        expected = fresh.check_view(hub, depth=1, as_of=TODAY, limit_per_node=4).neighbourhood
        fresh.close()
        assert list(after.paths) == list(expected.paths) == [hub, orgs[0], orgs[1]], after
    finally:
        store.close()


def test_a_hub_persons_links_are_held_until_the_next_write() -> None:
    store = MemoryStore(None)
    try:
        person, orgs = make_person(1), [make_org(n) for n in range(1, check_reads.HUB_LINKS + 3)]
        store.upsert_organizations(orgs)
        store.upsert_persons([person])
        store.upsert_relations([rel(LEGAL_REP, person, org, dt.date(2020, 1, 1)) for org in orgs])
        entries = [make_entry(f"E-{n:03d}", org.key) for n, org in enumerate(orgs)]
        store.upsert_entries(entries)
        pairs = zip(entries, orgs, strict=True)
        store.replace_links({e.entry_id: [make_link(person, e.entry_id, org, LEGAL_REP)] for e, org in pairs})

        def links_seen() -> list[PersonalLink]:
            view = store.check_view(person.key, depth=1, as_of=TODAY, limit_per_node=200)
            return view.links_of[person.key]

        first = links_seen()
        assert first == store.links_for([person.key]) and len(first) == len(orgs)
        assert person.key in check_reads._EXPANSIONS[store._state].hub_links
        first.clear()  # a view's list is its own: the held links are not the caller's to change
        assert links_seen() == store.links_for([person.key])
        store.replace_links({entries[0].entry_id: []})
        after = links_seen()
        assert [link.entry_id for link in after] == [e.entry_id for e in entries[1:]], after
    finally:
        store.close()
