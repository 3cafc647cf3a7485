"""Personal links (persons' credit-record links to entries): replace, read in order, refuse, move."""

from __future__ import annotations

import pytest

from graph_service.errors import NotFound
from graph_service.store.base import GraphStore
from tests.contract.builders import DIRECTOR, LEGAL_REP, make_link, seed
from tests.factories import make_entry, make_org, make_person, make_unresolved_person


def _entries(store: GraphStore, *entry_ids: str) -> None:
    seed(store, org_numbers=[1, 2], person_numbers=[1, 2, 3])
    store.upsert_entries([make_entry(entry_id, make_org(1).uscc) for entry_id in entry_ids])


def test_links_are_created_then_unchanged_when_replaced_by_the_same(store: GraphStore) -> None:
    _entries(store, "E-1")
    links = {
        "E-1": [
            make_link(make_person(1), "E-1", make_org(1), LEGAL_REP),
            make_link(make_person(2), "E-1", make_org(1), DIRECTOR),
        ]
    }

    first = store.replace_links(links)
    same = store.replace_links(links)

    assert (first.created, first.updated, first.unchanged) == (2, 0, 0), first
    assert (same.created, same.updated, same.unchanged) == (0, 0, 2), same
    assert store.links_of_entries(["E-1"]) == sorted(links["E-1"], key=lambda link: link.person_id)


def test_replacing_drops_links_not_given_and_keeps_other_entries_links(store: GraphStore) -> None:
    _entries(store, "E-1", "E-2")
    kept = make_link(make_person(3), "E-2", make_org(1), LEGAL_REP)
    store.replace_links(
        {
            "E-1": [
                make_link(make_person(1), "E-1", make_org(1), LEGAL_REP),
                make_link(make_person(2), "E-1", None, responsible=True),
            ],
            "E-2": [kept],
        }
    )

    counts = store.replace_links(
        {"E-1": [make_link(make_person(1), "E-1", make_org(1), LEGAL_REP, DIRECTOR)]}
    )

    assert (counts.created, counts.updated, counts.unchanged) == (0, 2, 0), counts
    assert store.links_of_entries(["E-1"]) == [
        make_link(make_person(1), "E-1", make_org(1), LEGAL_REP, DIRECTOR)
    ]
    assert store.links_of_entries(["E-2"]) == [kept]


def test_links_for_persons_are_sorted_by_person_then_entry(store: GraphStore) -> None:
    _entries(store, "E-1", "E-2")
    store.replace_links(
        {
            "E-2": [
                make_link(make_person(2), "E-2", make_org(1), DIRECTOR),
                make_link(make_person(1), "E-2", make_org(1), LEGAL_REP),
            ],
            "E-1": [make_link(make_person(1), "E-1", make_org(1), LEGAL_REP)],
        }
    )

    by_person = store.links_for([make_person(2).key, make_person(1).key, make_person(3).key])
    by_entry = store.links_of_entries(["E-2", "E-1"])

    assert [(link.person_id, link.entry_id) for link in by_person] == [
        (make_person(1).key, "E-1"),
        (make_person(1).key, "E-2"),
        (make_person(2).key, "E-2"),
    ], by_person
    assert [(link.entry_id, link.person_id) for link in by_entry] == [
        ("E-1", make_person(1).key),
        ("E-2", make_person(1).key),
        ("E-2", make_person(2).key),
    ], by_entry


def test_links_to_unknown_entries_or_persons_raise_not_found_and_write_nothing(store: GraphStore) -> None:
    _entries(store, "E-1")
    version = store.data_version()

    with pytest.raises(NotFound) as caught:
        store.replace_links(
            {
                "E-1": [
                    make_link(make_person(1), "E-1", make_org(1), LEGAL_REP),
                    make_link(make_person(8), "E-1", make_org(1), DIRECTOR),
                ],
                "E-404": [make_link(make_person(1), "E-404", make_org(1), LEGAL_REP)],
            }
        )

    assert make_person(8).key in str(caught.value) and "E-404" in str(caught.value), caught.value
    assert store.links_of_entries(["E-1"]) == []
    assert store.data_version() == version


def test_resolving_a_person_moves_their_personal_links(store: GraphStore) -> None:
    ghost = make_unresolved_person(make_org(1), "孙八")
    _entries(store, "E-1")
    store.upsert_persons([ghost])
    store.replace_links({"E-1": [make_link(ghost, "E-1", make_org(1), LEGAL_REP)]})
    real = make_person(5, name="孙八")

    store.resolve_person(ghost.key, real)

    assert store.links_of_entries(["E-1"]) == [make_link(real, "E-1", make_org(1), LEGAL_REP)]
    assert store.links_for([ghost.key]) == []
