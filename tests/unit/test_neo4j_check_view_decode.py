"""Decoding a Neo4j check view: the statement's link order is kept only where it is Python's order too."""

from __future__ import annotations

import datetime as dt

import pytest

from graph_service.domain.model import ListEntry, Relation, RelationKind
from graph_service.store.graph_port import relation_order
from graph_service.store.neo4j import mapping
from graph_service.store.neo4j.check_view import _orders_agree
from tests.factories import make_org, make_relation, make_unresolved_person

ORG = make_org(1)


def _links(tails: list[str]) -> list[tuple[Relation, str]]:
    others = [make_unresolved_person(ORG, f"张{tail}").key for tail in tails]
    return [(make_relation(RelationKind.DIRECTOR, other, ORG.key), other) for other in others]


def _utf16_order(links: list[tuple[Relation, str]]) -> list[tuple[Relation, str]]:
    """The order of ``ORDER BY n.key, r.key`` in Cypher, which compares strings by UTF-16 unit."""
    return sorted(links, key=lambda link: (link[1].encode("utf-16-be"), link[0].key.encode("utf-16-be")))


def _python_order(links: list[tuple[Relation, str]]) -> list[tuple[Relation, str]]:
    return sorted(links, key=lambda link: relation_order(*link))


@pytest.mark.parametrize(
    ("tails", "agree"),
    [
        (["a", "b", "张"], True),
        (["\ud7ff", "a"], True),
        (["\ue000", "a"], False),
        (["\U00010000", "a"], False),
    ],
)
def test_the_statement_order_is_kept_only_without_characters_from_u_e000(
    tails: list[str], agree: bool
) -> None:
    links = _links(tails)

    assert _orders_agree(ORG.key, links) is agree
    if agree:
        assert _utf16_order(links) == _python_order(links)


def test_where_the_orders_differ_the_links_are_sorted_again() -> None:
    links = _links(["\ue000", "\U00010000"])

    assert _utf16_order(links) != _python_order(links)  # the case the re-sort is for
    assert not _orders_agree(ORG.key, links)


def test_a_view_entry_with_iso_dates_is_the_entry_the_stored_properties_give() -> None:
    stored = {
        "entry_id": "430923-R-2025-0000001-1",
        "subject_id": make_org(1).key,
        "list": "red",
        "domain": "construction",
        "decided_on": dt.date(2025, 9, 20),
        "valid_from": dt.date(2025, 9, 20),
        "initiating_dept": "安化县住房和城乡建设局",
        "status": "active",
        "responsible_person_ids": [],
        "version": 1,
    }
    sent = {
        **stored,
        "act_on": None,
        "decided_on": "2025-09-20",
        "valid_from": "2025-09-20",
        "valid_until": None,
    }

    entry = mapping.entry_from_view(sent)

    assert entry == mapping.entry_from(stored)
    assert entry.model_fields_set == mapping.entry_from(stored).model_fields_set
    assert set(mapping.ENTRY_DATES) == {
        name
        for name, field in ListEntry.model_fields.items()
        if field.annotation in (dt.date, dt.date | None)
    }


@pytest.mark.parametrize(
    "props",
    [
        {"org_id": ORG.key, "roles": ["legal_representative", "director"], "responsible": False},
        {"org_id": ORG.key, "roles": [], "responsible": True},
        {"roles": ["shareholder"], "responsible": True},  # no org_id: the property is left out
    ],
)
def test_a_view_link_built_without_validation_is_the_validated_link(props: dict[str, object]) -> None:
    validated = mapping.link_from("430923199001011234", "430923-R-2025-0000001-1", props)
    built = mapping.link_from_view("430923199001011234", "430923-R-2025-0000001-1", props)

    assert built == validated
    assert built.model_fields_set == validated.model_fields_set
    assert all(isinstance(role, RelationKind) for role in built.roles)
    assert mapping.link_props(built) == props  # what the store wrote is what it reads back


def test_every_relation_kind_a_link_stores_is_read_back() -> None:
    for kind in RelationKind:
        props = {"org_id": ORG.key, "roles": [kind.value], "responsible": False}
        assert mapping.link_from_view("p", "e", props).roles == (kind,)
