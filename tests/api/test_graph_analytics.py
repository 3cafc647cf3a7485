"""``/v1/graph/subjects/{id}/analytics``: related-party groups, nominee indicators, circular shareholdings.

The fixture around company CO::

    P1 legal representative of CO           Q held 40 % of CO until 2022; P2 is Q's legal representative
    N director of CO, legal representative of K1, K2, K3 (and of K4 until 2022)
    CO holds 30 % of S, S holds 20 % of CO  (a circular shareholding); S is on the black list
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph_service.domain.model import RelationKind
from graph_service.store.base import GraphStore
from tests.api.graph_support import GraphApi, load, open_graph_api
from tests.factories import make_entry, make_org, make_person, make_relation

SINCE = dt.date(2020, 1, 1)
ENDED = dt.date(2022, 1, 1)
DAY = "2024-06-01"
CO, Q, S = make_org(50), make_org(51), make_org(53, name="循环持股测试企业")
K = [make_org(n) for n in (60, 61, 62, 63)]
P1, P2, N = make_person(50), make_person(51), make_person(52, name="挂名测试人")
REP = RelationKind.LEGAL_REPRESENTATIVE


@pytest.fixture(autouse=True)
def registry(store: GraphStore) -> None:
    relations = [
        make_relation(REP, P1.key, CO.uscc, SINCE),
        make_relation(RelationKind.SHAREHOLDER, Q.uscc, CO.uscc, SINCE, end_on=ENDED, ratio=0.4),
        make_relation(REP, P2.key, Q.uscc, SINCE),
        make_relation(RelationKind.DIRECTOR, N.key, CO.uscc, SINCE),
        *(make_relation(REP, N.key, k.uscc, SINCE) for k in K[:3]),
        make_relation(REP, N.key, K[3].uscc, SINCE, end_on=ENDED),
        make_relation(RelationKind.SHAREHOLDER, CO.uscc, S.uscc, SINCE, ratio=0.3),
        make_relation(RelationKind.SHAREHOLDER, S.uscc, CO.uscc, SINCE, ratio=0.2),
    ]
    load(
        store,
        orgs=[CO, Q, S, *K],
        persons=[P1, P2, N],
        relations=relations,
        entries=[make_entry("A-B-0001", S.uscc)],
    )


def test_groups_are_the_components_over_current_relations(graph_api: GraphApi) -> None:
    body = graph_api.ok(f"/v1/graph/subjects/{CO.uscc}/analytics", depth=2, as_of=DAY)
    groups = [
        (g["size"], g["contains_origin"], sorted(m["id"] for m in g["members"])) for g in body["groups"]
    ]

    origin_group = sorted([CO.uscc, P1.key, N.key, S.uscc, *(k.uscc for k in K[:3])])
    assert groups == [
        (7, True, origin_group),
        (2, False, sorted([Q.uscc, P2.key])),
        (1, False, [K[3].uscc]),
    ], groups
    first = body["groups"][0]
    assert [m["id"] for m in first["listed"]] == [S.uscc] and first["listed"][0]["lists"] == ["black"], first
    assert first["members"][0]["id"] == CO.uscc and first["by_kind"] == {"enterprise": 5, "person": 2}, first


def test_a_person_with_legal_rep_roles_at_the_threshold_is_flagged(store: GraphStore, tmp_path: Path) -> None:
    with open_graph_api(store, tmp_path, nominee_threshold=3) as api:
        body = api.ok(f"/v1/graph/subjects/{CO.uscc}/analytics", depth=1, as_of=DAY)

    nominees = [(n["person"]["id"], n["legal_rep_count"], n["company_ids"]) for n in body["nominees"]]
    # Three current roles (K4's ended); P1 holds one, so only N is flagged.
    assert nominees == [(N.key, 3, sorted(k.uscc for k in K[:3]))], nominees
    assert body["nominee_threshold"] == 3, body


def test_below_the_threshold_nobody_is_flagged(store: GraphStore, tmp_path: Path) -> None:
    with open_graph_api(store, tmp_path, nominee_threshold=4) as api:
        body = api.ok(f"/v1/graph/subjects/{CO.uscc}/analytics", depth=1, as_of=DAY)

    assert body["nominees"] == [], body["nominees"]


def test_circular_shareholdings_are_listed_with_their_ratios(graph_api: GraphApi) -> None:
    body = graph_api.ok(f"/v1/graph/subjects/{CO.uscc}/analytics", depth=1, as_of=DAY)

    (cycle,) = body["circular_shareholdings"]
    first = min(CO.uscc, S.uscc)
    ratios = {CO.uscc: 0.3, S.uscc: 0.2}  # each subject's holding in the next one
    assert cycle["subject_ids"] == sorted([CO.uscc, S.uscc]), cycle
    assert (
        cycle["ratios"] == [ratios[k] for k in cycle["subject_ids"]] and cycle["subject_ids"][0] == first
    ), cycle
    assert "循环持股测试企业" in cycle["label"] and "30%" in cycle["label"], cycle


def test_a_cycle_that_ended_is_not_circular_any_more(graph_api: GraphApi, store: GraphStore) -> None:
    store.upsert_relations(
        [
            make_relation(
                RelationKind.SHAREHOLDER, S.uscc, CO.uscc, SINCE, end_on=dt.date(2024, 1, 1), ratio=0.2
            )
        ]
    )

    body = graph_api.ok(f"/v1/graph/subjects/{CO.uscc}/analytics", depth=1, as_of=DAY)

    assert body["circular_shareholdings"] == [], body["circular_shareholdings"]
