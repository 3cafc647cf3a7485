"""Reads inside ``reading()`` after a walk answer exactly as the same reads outside it.

On Neo4j a walk inside ``reading()`` reads ahead the subjects it reaches (their nodes, entries and personal
links) and later reads are answered from that; on the embedded store ``reading()`` changes nothing. Either
way the answers must be the ones the store gives without it — same content, same order, same filtering —
including for subjects the walk did not reach and entries only a personal link leads to.
"""

from __future__ import annotations

import datetime as dt

from graph_service.domain.model import EntryFilter, EntryStatus, ListKind, RelationKind
from graph_service.store.base import GraphStore
from tests.contract.builders import DIRECTOR, LEGAL_REP, SHAREHOLDER, make_link, rel, seed
from tests.factories import make_entry, make_org, make_person

START = dt.date(2020, 1, 1)
TODAY = dt.date(2024, 6, 1)


def _graph(store: GraphStore) -> None:
    """org1 <- rep person1 -> director of org2 <- shareholder org3; org4 and person2 stay unreached."""
    seed(
        store,
        org_numbers=[1, 2, 3, 4],
        person_numbers=[1, 2],
        relations=[
            rel(LEGAL_REP, make_person(1), make_org(1), START),
            rel(DIRECTOR, make_person(1), make_org(2), START),
            rel(SHAREHOLDER, make_org(3), make_org(2), START, ratio=0.4),
            rel(DIRECTOR, make_person(2), make_org(4), START),
        ],
    )
    store.upsert_entries(
        [
            make_entry("E-ORG2-BLACK", make_org(2).uscc),
            make_entry("E-ORG2-OLD", make_org(2).uscc, status=EntryStatus.REVOKED),
            make_entry("E-ORG4", make_org(4).uscc, list=ListKind.WATCH),
            make_entry("E-P1", make_person(1).key),
        ]
    )
    store.replace_links(
        {
            "E-ORG2-BLACK": [make_link(make_person(1), "E-ORG2-BLACK", make_org(2), RelationKind.DIRECTOR)],
            "E-ORG4": [make_link(make_person(2), "E-ORG4", make_org(4), RelationKind.DIRECTOR)],
        }
    )


def _questions(store: GraphStore) -> dict[str, object]:
    """What a check asks after its walk, for reached and unreached subjects alike."""
    reached = [make_org(1).uscc, make_person(1).key, make_org(2).uscc]
    everyone = [*reached, make_org(4).uscc, make_person(2).key, "91430923MA0000000X"]
    live = EntryFilter(statuses=frozenset({EntryStatus.ACTIVE}), in_validity_on=TODAY)
    return {
        "subjects": store.get_subjects(reached),
        "subjects_everyone": store.get_subjects(everyone),
        "entries": store.entries_for(reached),
        "entries_live": store.entries_for(reached, live),
        "entries_everyone": store.entries_for(everyone),
        "links": store.links_for([make_person(1).key]),
        "links_everyone": store.links_for([make_person(1).key, make_person(2).key]),
        "by_id": store.get_entries(["E-ORG2-BLACK", "E-ORG4", "E-NONE"]),
        "version": store.data_version(),
    }


def test_reads_after_a_walk_answer_as_the_same_reads_without_reading_ahead(store: GraphStore) -> None:
    _graph(store)
    expected = _questions(store)

    with store.reading():
        walk = store.neighbourhood(make_org(1).uscc, depth=2, as_of=TODAY, limit_per_node=50)
        answered = _questions(store)
        live = store.entries_for(list(walk.paths), EntryFilter(statuses=frozenset({EntryStatus.ACTIVE})))

    assert set(walk.paths) == {make_org(1).uscc, make_person(1).key, make_org(2).uscc}, walk.paths
    assert answered == expected, (answered, expected)
    assert [e.entry_id for e in live] == ["E-ORG2-BLACK", "E-P1"], live


def test_a_walk_inside_reading_finds_what_the_walk_outside_finds(store: GraphStore) -> None:
    _graph(store)
    outside = store.neighbourhood(make_person(1).key, depth=3, as_of=TODAY, limit_per_node=1)

    with store.reading():
        inside = store.neighbourhood(make_person(1).key, depth=3, as_of=TODAY, limit_per_node=1)

    assert inside == outside, (inside, outside)
    assert inside.truncated and inside.truncated_at == (make_person(1).key,), inside
