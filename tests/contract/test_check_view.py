"""``check_view`` answers exactly what the walk and the reads after it answer, one by one.

A check reads everything through :meth:`GraphStore.check_view` (on Neo4j one statement walking every level
server-side). Whatever the backend does, the view must equal the old way: ``neighbourhood`` (same paths,
same truncation), then the data version, nodes, entries and personal links of everyone reached and the
entries those links name, each read separately. The graphs are generated from a seed and have what makes
walks differ: hubs over the per-node limit, relations ended or not yet begun (history vs ``as_of``),
cycles, parallel relations between the same two subjects, unresolved persons, entries of every status.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from graph_service.domain.model import (
    EntryFilter,
    EntryStatus,
    ListEntry,
    ListKind,
    Organization,
    Person,
    Relation,
    RelationKind,
)
from graph_service.domain.propagation import PersonalLink
from graph_service.store.base import GraphStore
from graph_service.store.check_view import CheckView, NotInView
from tests.contract.builders import DIRECTOR, LEGAL_REP, SHAREHOLDER, make_link, make_penalty, rel
from tests.factories import make_entry, make_org, make_person, make_unresolved_person

TODAY = dt.date(2024, 6, 1)
LIMITS = (3, 200)


def _old_walk(store: GraphStore, origin: str, depth: int, as_of: dt.date | None, limit: int) -> CheckView:
    """What a check read before ``check_view``: the walk, then one read per question."""
    walk = store.neighbourhood(origin, depth=depth, as_of=as_of, limit_per_node=limit)
    reached = sorted(walk.paths)
    links = store.links_for(reached)
    linked = store.get_entries(sorted({link.entry_id for link in links}))
    return CheckView.of(
        walk,
        store.data_version(),
        store.get_subjects(reached),
        store.entries_for(reached),
        links,
        linked.values(),
        store.penalties_for([origin]),
    )


def _random_graph(store: GraphStore, graph_seed: int) -> list[str]:
    """A seeded graph of ~30 organisations and ~25 persons; returns some subjects to walk from."""
    rnd = random.Random(graph_seed)
    orgs: list[Organization] = [make_org(n) for n in range(1, 31)]
    persons: list[Person] = [make_person(n) for n in range(1, 21)]
    persons += [make_unresolved_person(orgs[n], f"张{n}") for n in range(5)]
    everyone: list[Organization | Person] = [*orgs, *persons]
    store.upsert_organizations(orgs)
    store.upsert_persons(persons)

    def dates() -> dict[str, dt.date | None]:
        start = rnd.choice([None, dt.date(2019, 3, 1), dt.date(2022, 7, 1), dt.date(2025, 1, 1)])
        end = rnd.choice([None, None, dt.date(2023, 1, 1), dt.date(2024, 6, 1), dt.date(2026, 1, 1)])
        if start is not None and end is not None and end <= start:
            end = None
        return {"start_on": start, "end_on": end}

    relations: list[Relation] = []
    hub, org_hub = persons[0], orgs[0]
    relations += [rel(DIRECTOR, hub, org, dt.date(2020, 1, 1)) for org in orgs[1:13]]  # over the limit
    relations += [rel(SHAREHOLDER, org, org_hub, dt.date(2020, 1, 1), ratio=0.1) for org in orgs[14:20]]
    for org in orgs:
        rep = rnd.choice(persons)
        d = dates()
        relations.append(rel(LEGAL_REP, rep, org, d["start_on"], end_on=d["end_on"]))
    for _ in range(45):
        person, org = rnd.choice(persons), rnd.choice(orgs)
        d = dates()
        relations.append(rel(DIRECTOR, person, org, d["start_on"], end_on=d["end_on"]))
    for _ in range(20):  # shareholdings, cycles among them
        a, b = rnd.sample(orgs, 2)
        d = dates()
        relations.append(rel(SHAREHOLDER, a, b, d["start_on"], end_on=d["end_on"], ratio=0.3))
    # Parallel relations: the same two subjects, the same kind, two periods.
    relations.append(rel(DIRECTOR, persons[3], orgs[5], dt.date(2018, 1, 1), end_on=dt.date(2021, 1, 1)))
    relations.append(rel(DIRECTOR, persons[3], orgs[5], dt.date(2021, 1, 1)))
    store.upsert_relations(list({r.key: r for r in relations}.values()))

    entries: list[ListEntry] = []
    for n, subject in enumerate(rnd.sample(everyone, 22)):
        entries.append(
            make_entry(
                f"430923-E-{graph_seed}-{n:03d}",
                subject.key,
                list=rnd.choice([ListKind.BLACK, ListKind.BLACK, ListKind.WATCH, ListKind.RED]),
                status=rnd.choice([EntryStatus.ACTIVE, EntryStatus.ACTIVE, EntryStatus.REVOKED]),
                valid_until=rnd.choice([None, dt.date(2024, 3, 31), dt.date(2027, 1, 1)]),
            )
        )
    store.upsert_entries(entries)
    links: dict[str, list[PersonalLink]] = {}
    for entry in rnd.sample([e for e in entries if e.subject_id.startswith("9")], 8):
        holders = rnd.sample(persons, 2)
        org = next(o for o in orgs if o.key == entry.subject_id)
        links[entry.entry_id] = [
            make_link(p, entry.entry_id, org, RelationKind.DIRECTOR, responsible=i == 0)
            for i, p in enumerate(holders)
        ]
    store.replace_links(links)
    fined = [hub, org_hub, *rnd.sample(everyone, 3)]
    store.upsert_penalties(
        [make_penalty(f"测市监罚〔2023〕{graph_seed}{n:02d}号", subject) for n, subject in enumerate(fined)]
    )
    return [hub.key, org_hub.key, *(s.key for s in rnd.sample(everyone, 2))]


@pytest.mark.parametrize("graph_seed", [1, 2, 3])
def test_check_view_equals_the_walk_and_the_reads_after_it_on_varied_graphs(
    store: GraphStore, graph_seed: int
) -> None:
    origins = _random_graph(store, graph_seed)

    differing = []
    compared = 0
    for origin in origins:
        for depth in (1, 2, 3, 4):
            for as_of in (TODAY, None):
                for limit in LIMITS:
                    view = store.check_view(origin, depth=depth, as_of=as_of, limit_per_node=limit)
                    old = _old_walk(store, origin, depth, as_of, limit)
                    compared += 1
                    if view != old:
                        differing.append((origin, depth, as_of, limit, view, old))

    assert compared == len(origins) * 16
    assert differing == [], differing[:1]


def test_the_varied_graphs_have_truncated_walks_history_only_paths_and_linked_entries(
    store: GraphStore,
) -> None:
    origins = _random_graph(store, 1)
    hub = origins[0]

    cut = store.check_view(hub, depth=2, as_of=TODAY, limit_per_node=3)
    dated = store.check_view(hub, depth=4, as_of=TODAY, limit_per_node=200)
    history = store.check_view(hub, depth=4, as_of=None, limit_per_node=200)

    assert cut.neighbourhood.truncated and hub in cut.neighbourhood.truncated_at, cut.neighbourhood
    assert set(dated.neighbourhood.paths) < set(history.neighbourhood.paths), dated.neighbourhood
    assert any(history.links_of.values()), history.links_of
    assert {e.status for e in history.entries.values()} >= {EntryStatus.ACTIVE, EntryStatus.REVOKED}
    assert [p.subject_id for p in history.penalties] == [hub], history.penalties


def test_check_view_of_an_unknown_subject_is_the_subject_alone_with_nothing_on_it(
    store: GraphStore,
) -> None:
    _random_graph(store, 2)
    unknown = make_org(99).key

    view = store.check_view(unknown, depth=2, as_of=TODAY, limit_per_node=200)

    assert view == _old_walk(store, unknown, 2, TODAY, 200), view
    assert list(view.neighbourhood.paths) == [unknown] and view.subjects == {}, view
    assert view.entries_on == {unknown: []} and view.links_of == {unknown: []}, view


@pytest.mark.parametrize("depth", [0, 5])
def test_check_view_at_depths_beyond_a_check_equals_the_walk(store: GraphStore, depth: int) -> None:
    origins = _random_graph(store, 3)

    views = [store.check_view(o, depth=depth, as_of=None, limit_per_node=3) for o in origins]

    assert views == [_old_walk(store, o, depth, None, 3) for o in origins]


def test_a_view_answers_the_ports_questions_for_subjects_reached_and_refuses_others(
    store: GraphStore,
) -> None:
    origins = _random_graph(store, 1)
    view = store.check_view(origins[0], depth=2, as_of=TODAY, limit_per_node=200)
    reached = sorted(view.neighbourhood.paths)
    live = EntryFilter(statuses=frozenset({EntryStatus.ACTIVE}), in_validity_on=TODAY)
    linked = sorted({link.entry_id for link in store.links_for(reached)})
    outside = next(key for key in [*origins, make_org(29).key] if key not in view.neighbourhood.paths)

    assert view.entries_for(reached, live) == store.entries_for(reached, live)
    assert view.entries_for(reached) == store.entries_for(reached)
    assert view.links_for(reached) == store.links_for(reached)
    assert view.get_subjects(reached) == store.get_subjects(reached)
    assert view.get_entries(linked) == store.get_entries(linked)
    with pytest.raises(NotInView):
        view.entries_for([outside])


def test_check_view_equals_the_walk_with_keys_past_the_basic_multilingual_plane(store: GraphStore) -> None:
    # Cypher orders strings by UTF-16 unit, Python by code point: they disagree between U+E000..U+FFFF
    # and characters past U+FFFF, which a person known only by name can carry in the key.
    first, second = make_org(1), make_org(2)
    persons = [make_unresolved_person(first, f"张{tail}") for tail in ("\ue000", "\U00010000", "a", "\uffff")]
    store.upsert_organizations([first, second])
    store.upsert_persons(persons)
    store.upsert_relations(
        [
            rel(kind, person, org)
            for person in persons
            for org in (first, second)
            for kind in (DIRECTOR, LEGAL_REP)
        ]
    )

    differing = [
        (origin, limit)
        for origin in [first.key, *(p.key for p in persons)]
        for limit in (2, 200)
        if store.check_view(origin, depth=2, as_of=TODAY, limit_per_node=limit)
        != _old_walk(store, origin, 2, TODAY, limit)
    ]

    assert differing == [], differing
