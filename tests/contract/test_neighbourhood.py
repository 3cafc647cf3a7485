"""Neighbourhood walks and adjacency: paths, hops, determinism, truncation, time and cycles."""

from __future__ import annotations

import datetime as dt

from graph_service.domain.model import Neighbourhood, Path
from graph_service.store.base import GraphStore
from tests.contract.builders import DIRECTOR, LEGAL_REP, SHAREHOLDER, rel, seed
from tests.factories import make_org, make_person

START = dt.date(2020, 1, 1)
TODAY = dt.date(2024, 6, 1)
LIMIT = 50


def _walk(
    store: GraphStore, origin: str, depth: int, as_of: dt.date | None = TODAY, limit: int = LIMIT
) -> Neighbourhood:
    return store.neighbourhood(origin, depth=depth, as_of=as_of, limit_per_node=limit)


def _route(path: Path) -> list[str]:
    """The subjects a path visits, origin first."""
    return path.subject_ids


def _hops(hood: Neighbourhood) -> dict[str, int]:
    return {key: path.hops for key, path in hood.paths.items()}


def test_depth_one_reaches_direct_neighbours_in_one_hop_through_the_relation(store: GraphStore) -> None:
    org, rep, parent = make_org(1), make_person(1), make_org(2)
    rep_rel = rel(LEGAL_REP, rep, org, START)
    holds = rel(SHAREHOLDER, parent, org, START, ratio=0.8)
    seed(store, org_numbers=[1, 2], person_numbers=[1], relations=[rep_rel, holds])

    hood = _walk(store, org.uscc, depth=1)

    assert _hops(hood) == {org.uscc: 0, rep.key: 1, parent.uscc: 1}, hood
    steps = hood.paths[rep.key].steps
    assert [(s.relation, s.to_id) for s in steps] == [(rep_rel, rep.key)], steps
    assert hood.truncated is False and hood.truncated_at == (), hood


def test_depth_two_reaches_another_company_of_the_same_person(store: GraphStore) -> None:
    rep_rel = rel(LEGAL_REP, make_person(1), make_org(1), START)
    director = rel(DIRECTOR, make_person(1), make_org(3), START)
    seed(store, org_numbers=[1, 3], person_numbers=[1], relations=[rep_rel, director])

    near = _walk(store, make_org(1).uscc, depth=1)
    far = _walk(store, make_org(1).uscc, depth=2)

    assert make_org(3).uscc not in near.paths, near
    path = far.paths[make_org(3).uscc]
    assert path.hops == 2, path
    assert _route(path) == [make_org(1).uscc, make_person(1).key, make_org(3).uscc], path
    assert [s.relation.key for s in path.steps] == [rep_rel.key, director.key], path


def test_depth_three_stops_three_hops_out(store: GraphStore) -> None:
    chain = [
        rel(LEGAL_REP, make_person(1), make_org(1), START),
        rel(DIRECTOR, make_person(1), make_org(2), START),
        rel(DIRECTOR, make_person(2), make_org(2), START),
        rel(LEGAL_REP, make_person(2), make_org(3), START),
    ]
    seed(store, org_numbers=[1, 2, 3], person_numbers=[1, 2], relations=chain)

    hood = _walk(store, make_org(1).uscc, depth=3)

    assert _hops(hood) == {
        make_org(1).uscc: 0,
        make_person(1).key: 1,
        make_org(2).uscc: 2,
        make_person(2).key: 3,
    }
    assert _route(hood.paths[make_person(2).key]) == [
        make_org(1).uscc,
        make_person(1).key,
        make_org(2).uscc,
        make_person(2).key,
    ]


def test_depth_zero_holds_only_the_origin(store: GraphStore) -> None:
    seed(
        store,
        org_numbers=[1],
        person_numbers=[1],
        relations=[rel(LEGAL_REP, make_person(1), make_org(1), START)],
    )

    hood = _walk(store, make_org(1).uscc, depth=0)

    assert _hops(hood) == {make_org(1).uscc: 0}, hood


def test_a_subject_reachable_directly_and_through_a_person_gets_only_the_shortest_path(
    store: GraphStore,
) -> None:
    direct = rel(SHAREHOLDER, make_org(4), make_org(1), START, ratio=0.5)
    relations = [
        rel(LEGAL_REP, make_person(1), make_org(1), START),
        rel(DIRECTOR, make_person(1), make_org(4), START),
        direct,
    ]
    seed(store, org_numbers=[1, 4], person_numbers=[1], relations=relations)

    hood = _walk(store, make_org(1).uscc, depth=2)

    assert len(hood.paths) == 3, hood.paths
    path = hood.paths[make_org(4).uscc]
    assert [(s.relation.key, s.to_id) for s in path.steps] == [(direct.key, make_org(4).uscc)], path


def test_equal_length_paths_are_broken_by_the_lowest_neighbour_id(store: GraphStore) -> None:
    relations = [
        rel(DIRECTOR, make_person(2), make_org(1), START),
        rel(DIRECTOR, make_person(2), make_org(2), START),
        rel(DIRECTOR, make_person(1), make_org(1), START),
        rel(DIRECTOR, make_person(1), make_org(2), START),
    ]
    seed(store, org_numbers=[1, 2], person_numbers=[1, 2], relations=relations)
    assert make_person(1).key < make_person(2).key  # the premise of the tie-break

    hood = _walk(store, make_org(1).uscc, depth=2)

    assert _route(hood.paths[make_org(2).uscc]) == [make_org(1).uscc, make_person(1).key, make_org(2).uscc]


def test_two_walks_over_the_same_data_return_the_same_paths(store: GraphStore) -> None:
    relations = [rel(DIRECTOR, make_person(n % 3), make_org(n), START) for n in range(1, 7)] + [
        rel(SHAREHOLDER, make_org(n), make_org(n + 1), START, ratio=0.2) for n in range(1, 6)
    ]
    seed(store, org_numbers=range(1, 7), person_numbers=[0, 1, 2], relations=relations)

    first = _walk(store, make_org(1).uscc, depth=3)
    second = _walk(store, make_org(1).uscc, depth=3)

    assert first == second
    assert len(first.paths) == 8, first.paths


def test_a_diamond_reaches_its_far_corner_once_through_the_lower_side(store: GraphStore) -> None:
    top, left, right, bottom = make_org(1), make_org(2), make_org(3), make_org(4)
    relations = [
        rel(SHAREHOLDER, left, top, START, ratio=0.5),
        rel(SHAREHOLDER, right, top, START, ratio=0.5),
        rel(SHAREHOLDER, bottom, left, START, ratio=1.0),
        rel(SHAREHOLDER, bottom, right, START, ratio=1.0),
    ]
    seed(store, org_numbers=[1, 2, 3, 4], relations=relations)

    hood = _walk(store, top.uscc, depth=2)

    assert _hops(hood) == {top.uscc: 0, left.uscc: 1, right.uscc: 1, bottom.uscc: 2}, hood
    assert _route(hood.paths[bottom.uscc]) == [top.uscc, left.uscc, bottom.uscc]


def test_a_shareholding_cycle_terminates_with_each_company_once(store: GraphStore) -> None:
    a, b, c = make_org(1), make_org(2), make_org(3)
    cycle = [
        rel(SHAREHOLDER, a, b, START, ratio=0.5),
        rel(SHAREHOLDER, b, c, START, ratio=0.5),
        rel(SHAREHOLDER, c, a, START, ratio=0.5),
    ]
    seed(store, org_numbers=[1, 2, 3], relations=cycle)

    hood = _walk(store, a.uscc, depth=10)

    assert _hops(hood) == {a.uscc: 0, b.uscc: 1, c.uscc: 1}, hood


def test_a_longer_shareholding_cycle_is_walked_from_both_sides(store: GraphStore) -> None:
    cycle = [rel(SHAREHOLDER, make_org(n), make_org(n % 4 + 1), START, ratio=0.3) for n in range(1, 5)]
    seed(store, org_numbers=[1, 2, 3, 4], relations=cycle)

    hood = _walk(store, make_org(1).uscc, depth=10)

    assert _hops(hood) == {make_org(1).uscc: 0, make_org(2).uscc: 1, make_org(4).uscc: 1, make_org(3).uscc: 2}
    assert _route(hood.paths[make_org(3).uscc]) == [make_org(1).uscc, make_org(2).uscc, make_org(3).uscc]


def test_a_hub_with_more_links_than_the_limit_is_expanded_through_the_first_ones_and_flagged(
    store: GraphStore,
) -> None:
    hub = make_person(1)
    seed(
        store,
        org_numbers=range(1, 6),
        person_numbers=[1],
        relations=[rel(LEGAL_REP, hub, make_org(n), START) for n in range(1, 6)],
    )

    hood = _walk(store, hub.key, depth=1, limit=3)

    assert hood.truncated is True and hood.truncated_at == (hub.key,), hood
    assert sorted(hood.paths) == sorted([hub.key, make_org(1).uscc, make_org(2).uscc, make_org(3).uscc])


def test_a_hub_met_inside_the_walk_is_named_in_truncated_at(store: GraphStore) -> None:
    hub = make_person(1)
    seed(
        store,
        org_numbers=range(1, 6),
        person_numbers=[1],
        relations=[rel(LEGAL_REP, hub, make_org(n), START) for n in range(1, 6)],
    )

    hood = _walk(store, make_org(5).uscc, depth=2, limit=3)

    assert hood.truncated_at == (hub.key,), hood
    assert sorted(hood.paths) == sorted(
        [make_org(5).uscc, hub.key, make_org(1).uscc, make_org(2).uscc, make_org(3).uscc]
    )


def test_a_subject_with_exactly_the_limit_of_links_is_not_truncated(store: GraphStore) -> None:
    hub = make_person(1)
    seed(
        store,
        org_numbers=range(1, 4),
        person_numbers=[1],
        relations=[rel(LEGAL_REP, hub, make_org(n), START) for n in range(1, 4)],
    )

    hood = _walk(store, hub.key, depth=1, limit=3)

    assert hood.truncated is False and hood.truncated_at == (), hood
    assert len(hood.paths) == 4, hood.paths


def test_adjacent_lists_the_first_links_in_relation_order_and_counts_them_all(store: GraphStore) -> None:
    hub = make_person(1)
    relations = [rel(LEGAL_REP, hub, make_org(n), START) for n in (4, 2, 3, 1)]
    relations.append(rel(DIRECTOR, hub, make_org(1), START))
    seed(store, org_numbers=[1, 2, 3, 4], person_numbers=[1], relations=relations)

    adjacency = store.adjacent([hub.key, make_org(4).uscc], as_of=TODAY, limit_per_node=3)

    hub_links = [(neighbour, r.kind) for r, neighbour in adjacency[hub.key].links]
    assert hub_links == [
        (make_org(1).uscc, DIRECTOR),
        (make_org(1).uscc, LEGAL_REP),
        (make_org(2).uscc, LEGAL_REP),
    ], hub_links
    assert (adjacency[hub.key].total, adjacency[hub.key].truncated) == (5, True)
    org_links = [(neighbour, r.kind) for r, neighbour in adjacency[make_org(4).uscc].links]
    assert org_links == [(hub.key, LEGAL_REP)] and adjacency[make_org(4).uscc].total == 1


def test_a_walk_as_of_a_date_skips_ended_relations_and_a_history_walk_keeps_them(store: GraphStore) -> None:
    ended = rel(LEGAL_REP, make_person(1), make_org(2), dt.date(2015, 1, 1), dt.date(2019, 1, 1))
    current = rel(LEGAL_REP, make_person(1), make_org(1), START)
    seed(store, org_numbers=[1, 2], person_numbers=[1], relations=[ended, current])

    today = _walk(store, make_org(1).uscc, depth=2, as_of=TODAY)
    history = _walk(store, make_org(1).uscc, depth=2, as_of=None)
    back_then = _walk(store, make_person(1).key, depth=1, as_of=dt.date(2018, 12, 31))

    assert make_org(2).uscc not in today.paths, today
    assert _route(history.paths[make_org(2).uscc]) == [make_org(1).uscc, make_person(1).key, make_org(2).uscc]
    assert sorted(back_then.paths) == sorted([make_person(1).key, make_org(2).uscc]), back_then
