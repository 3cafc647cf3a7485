"""Role holders of many organisations at once answer, pair by pair, what the one-organisation read does."""

from __future__ import annotations

import datetime as dt

from graph_service.domain.model import RelationKind
from graph_service.store.base import GraphStore
from tests.contract.builders import DIRECTOR, LEGAL_REP, SHAREHOLDER, rel, seed
from tests.factories import make_org, make_person

START = dt.date(2020, 3, 1)
END = dt.date(2022, 9, 1)
DAYS: tuple[dt.date | None, ...] = (START - dt.timedelta(days=1), START, dt.date(2021, 6, 1), END, None)


def _seed_three_organisations(store: GraphStore) -> None:
    """Organisation 1: a rep until END, then a successor, and a shareholder; 2: a director, who also
    holds organisation 3; 4: stored, with no one in it."""
    seed(
        store,
        org_numbers=[1, 2, 3, 4],
        person_numbers=[1, 2, 3],
        relations=[
            rel(LEGAL_REP, make_person(1), make_org(1), START, END),
            rel(LEGAL_REP, make_person(2), make_org(1), END),
            rel(SHAREHOLDER, make_org(2), make_org(1), START, ratio=0.4),
            rel(DIRECTOR, make_person(3), make_org(2), START),
            rel(DIRECTOR, make_person(3), make_org(3), None, END),
        ],
    )


def test_each_pair_gets_what_role_holders_answers_for_it(store: GraphStore) -> None:
    _seed_three_organisations(store)
    unknown = make_org(99).uscc
    asks = [(make_org(n).uscc, day) for n in (1, 2, 3, 4) for day in DAYS] + [(unknown, START)]

    many = store.role_holders_of(asks)

    one_by_one = {(org, day): store.role_holders(org, as_of=day) for org, day in asks}
    assert many == one_by_one, many
    assert list(many) == asks
    assert many[(make_org(1).uscc, None)], "organisation 1 has role holders in its history"
    assert many[(make_org(4).uscc, START)] == [] and many[(unknown, START)] == []


def test_a_roles_filter_applies_to_every_pair_as_it_does_to_one(store: GraphStore) -> None:
    _seed_three_organisations(store)
    roles = frozenset({RelationKind.LEGAL_REPRESENTATIVE, RelationKind.DIRECTOR})
    asks = [(make_org(n).uscc, day) for n in (1, 2, 3) for day in DAYS]

    many = store.role_holders_of(asks, roles=roles)

    assert many == {(org, day): store.role_holders(org, as_of=day, roles=roles) for org, day in asks}
    assert all(r.kind in roles for found in many.values() for r in found), many


def test_a_pair_asked_twice_is_answered_once_and_nothing_asked_answers_nothing(store: GraphStore) -> None:
    _seed_three_organisations(store)
    pair = (make_org(1).uscc, dt.date(2021, 6, 1))

    assert list(store.role_holders_of([pair, pair])) == [pair]
    assert store.role_holders_of([]) == {}
