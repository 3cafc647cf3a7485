"""``/v1/graph/ownership/{id}``: effective stakes with a diamond and a cycle, UBOs, controller, downward.

The group (holder -> held, ratio)::

    P1 -60%-> A    C -40%-> A    A -50%-> T
    P1 -50%-> B    C -50%-> B    B -30%-> T
    P2 -90%-> C    A -10%-> C    P3 -20%-> T

Simple chains from T upwards, by hand:

    A   T<-A 0.5 + T<-B<-C<-A 0.3*0.5*0.1                                  = 0.515
    P1  T<-A<-P1 0.3 + T<-B<-P1 0.15 + T<-B<-C<-A<-P1 0.015*0.6           = 0.459
    C   T<-A<-C 0.2 + T<-B<-C 0.15                                           = 0.35
    P2  T<-A<-C<-P2 0.18 + T<-B<-C<-P2 0.135                                 = 0.315
    B   0.3 (direct)          P3   0.2 (direct)

P1 reaches T through A and B (diamond); A and C hold each other (cycle, walked at most once).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from graph_service.domain.model import Relation, RelationKind
from graph_service.store.base import GraphStore
from tests.api.graph_support import GraphApi, load, open_graph_api
from tests.factories import make_org, make_person, make_relation

SINCE = dt.date(2020, 1, 1)
DAY = "2024-06-01"
T, A, B, C, X, T2 = (make_org(n) for n in (30, 31, 32, 33, 34, 35))
P1, P2, P3, P4, P5 = (make_person(n) for n in (30, 31, 32, 33, 34))


def holds(holder: str, held: str, ratio: float) -> Relation:
    return make_relation(RelationKind.SHAREHOLDER, holder, held, SINCE, ratio=ratio)


GROUP = [
    holds(P1.key, A.uscc, 0.6),
    holds(C.uscc, A.uscc, 0.4),
    holds(A.uscc, T.uscc, 0.5),
    holds(P1.key, B.uscc, 0.5),
    holds(C.uscc, B.uscc, 0.5),
    holds(B.uscc, T.uscc, 0.3),
    holds(P2.key, C.uscc, 0.9),
    holds(A.uscc, C.uscc, 0.1),
    holds(P3.key, T.uscc, 0.2),
]
# T2: P4 holds exactly 25 % through X (50 % of 50 %); P5 holds 24.99 % directly; P4 is declared controller
# from 2020 to 2023 only.
BOUNDARY = [
    holds(P4.key, X.uscc, 0.5),
    holds(X.uscc, T2.uscc, 0.5),
    holds(P5.key, T2.uscc, 0.2499),
    make_relation(RelationKind.ACTUAL_CONTROLLER, P4.key, T2.uscc, SINCE, end_on=dt.date(2023, 1, 1)),
]


@pytest.fixture(autouse=True)
def registry(store: GraphStore) -> None:
    load(store, orgs=[T, A, B, C, X, T2], persons=[P1, P2, P3, P4, P5], relations=[*GROUP, *BOUNDARY])


def ownership(graph_api: GraphApi, subject: str, **params: Any) -> dict[str, Any]:
    return graph_api.ok(f"/v1/graph/ownership/{subject}", **{"as_of": DAY, **params})


def stake_map(body: dict[str, Any]) -> dict[str, float]:
    return {s["subject_id"]: s["stake"] for s in body["stakes"]}


def test_effective_stakes_upwards_match_the_hand_computed_chains(graph_api: GraphApi) -> None:
    body = ownership(graph_api, T.uscc)

    expected = {A.uscc: 0.515, P1.key: 0.459, C.uscc: 0.35, P2.key: 0.315, B.uscc: 0.3, P3.key: 0.2}
    assert stake_map(body) == pytest.approx(expected), body["stakes"]
    assert [s["subject_id"] for s in body["stakes"]] == list(expected), body["stakes"]
    p1 = next(s for s in body["stakes"] if s["subject_id"] == P1.key)
    assert (p1["layer"], p1["path_count"], p1["subject"]["name"]) == (2, 3, P1.name), p1


def test_the_cycle_is_reported_and_not_counted_twice(graph_api: GraphApi) -> None:
    body = ownership(graph_api, T.uscc)

    assert [c["subject_ids"] for c in body["cycles"]] == [sorted([A.uscc, C.uscc])], body["cycles"]
    c = next(s for s in body["stakes"] if s["subject_id"] == C.uscc)
    assert c["path_count"] == 2, c


def test_beneficial_owners_are_the_persons_with_at_least_a_quarter(graph_api: GraphApi) -> None:
    body = ownership(graph_api, T.uscc)

    owners = [(o["subject_id"], round(o["stake"], 6)) for o in body["beneficial_owners"]]
    assert owners == [(P1.key, 0.459), (P2.key, 0.315)], owners
    assert body["ubo_threshold"] == 0.25, body


def test_exactly_twenty_five_percent_makes_a_beneficial_owner(graph_api: GraphApi) -> None:
    body = ownership(graph_api, T2.uscc)

    assert [o["subject_id"] for o in body["beneficial_owners"]] == [P4.key], body["beneficial_owners"]
    assert stake_map(body)[P5.key] == pytest.approx(0.2499), body["stakes"]


def test_the_threshold_comes_from_the_settings(store: GraphStore, tmp_path: Path) -> None:
    with open_graph_api(store, tmp_path, ubo_threshold=0.2) as api:
        body = ownership(api, T2.uscc)

    assert [o["subject_id"] for o in body["beneficial_owners"]] == [P4.key, P5.key], body
    assert body["ubo_threshold"] == 0.2, body


def test_the_controller_is_the_top_of_the_majority_chain(graph_api: GraphApi) -> None:
    finding = ownership(graph_api, T.uscc)
    controller = finding["actual_controller"]

    assert (controller["basis"], controller["controller_ids"]) == ("majority_stake", [P1.key]), controller
    assert controller["ownership_chain"] == [A.uscc, P1.key], controller
    assert [s["id"] for s in finding["controller_subjects"]] == [P1.key], finding["controller_subjects"]


def test_a_declared_controller_counts_only_while_valid(graph_api: GraphApi) -> None:
    during = ownership(graph_api, T2.uscc, as_of="2022-06-01")["actual_controller"]
    after = ownership(graph_api, T2.uscc, as_of=DAY)["actual_controller"]

    assert (during["basis"], during["controller_ids"]) == ("declared", [P4.key]), during
    # After 2023 nothing is declared, and nobody holds more than half: none identified, candidates given.
    assert (after["basis"], after["controller_ids"]) == ("none", []), after
    assert [c["subject_id"] for c in after["candidates"]] == [X.uscc, P4.key, P5.key], after


def test_min_ratio_hides_smaller_stakes_and_counts_them(graph_api: GraphApi) -> None:
    body = ownership(graph_api, T.uscc, min_ratio=0.3)

    assert set(stake_map(body)) == {A.uscc, P1.key, C.uscc, P2.key, B.uscc}, body["stakes"]
    assert body["omitted_below_min_ratio"] == 1, body


def test_downwards_the_holdings_carry_effective_stakes_and_control(graph_api: GraphApi) -> None:
    body = ownership(graph_api, P1.key, direction="down")

    assert stake_map(body) == pytest.approx({A.uscc: 0.6, B.uscc: 0.53, T.uscc: 0.459, C.uscc: 0.06}), body
    control = {s["subject_id"]: (s["controlled"], s["controlled_via"]) for s in body["stakes"]}
    assert control == {
        A.uscc: (True, P1.key),
        B.uscc: (True, P1.key),
        T.uscc: (True, A.uscc),
        C.uscc: (False, None),
    }, control
    assert body["actual_controller"] is None and body["beneficial_owners"] == [], body


def test_the_holdings_used_are_returned_for_the_tree(graph_api: GraphApi) -> None:
    body = ownership(graph_api, T.uscc)

    edges = {(r["source_id"], r["target_id"], r["ratio"]) for r in body["relations"]}
    assert edges == {(r.source_id, r.target_id, r.ratio) for r in GROUP}, edges


def test_a_layer_limit_keeps_the_nearer_holders_and_says_so(graph_api: GraphApi) -> None:
    body = ownership(graph_api, T.uscc, max_layers=1)

    assert set(stake_map(body)) == {A.uscc, B.uscc, P3.key} and body["layer_limit_reached"] is True, body


def test_a_min_ratio_above_one_is_refused(graph_api: GraphApi) -> None:
    response = graph_api.get(f"/v1/graph/ownership/{T.uscc}", min_ratio=1.5)

    assert response.status_code == 422 and "min_ratio" in response.json()["detail"], response.text
