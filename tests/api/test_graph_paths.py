"""``/v1/graph/paths`` and ``/v1/graph/paths/batch``: k shortest paths, hop bounds, dates, pairs and groups.

The fixture connects A and B three ways::

    A <-legal rep- P1 -director, supervisor-> B                      2 hops
    A -30%-> D -40%-> B  (D's holding in B ends on 2025-01-01)       2 hops
    A <-20%- P2 -50%-> C -40%-> B                                    3 hops

E is related to nobody.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from graph_service.domain.model import RelationKind
from graph_service.store.base import GraphStore
from tests.api.graph_support import GraphApi, load
from tests.factories import make_org, make_person, make_relation

SINCE = dt.date(2020, 1, 1)
DAY = "2024-06-01"
A, B, C, D, E = (make_org(n) for n in (11, 12, 13, 14, 15))
P1, P2 = make_person(11), make_person(12)
UNSTORED = make_org(16)
SHAREHOLDER = RelationKind.SHAREHOLDER


@pytest.fixture(autouse=True)
def registry(store: GraphStore) -> None:
    relations = [
        make_relation(RelationKind.LEGAL_REPRESENTATIVE, P1.key, A.uscc, SINCE),
        make_relation(RelationKind.DIRECTOR, P1.key, B.uscc, SINCE),
        make_relation(RelationKind.SUPERVISOR, P1.key, B.uscc, SINCE),
        make_relation(SHAREHOLDER, A.uscc, D.uscc, SINCE, ratio=0.3),
        make_relation(SHAREHOLDER, D.uscc, B.uscc, SINCE, end_on=dt.date(2025, 1, 1), ratio=0.4),
        make_relation(SHAREHOLDER, P2.key, A.uscc, SINCE, ratio=0.2),
        make_relation(SHAREHOLDER, P2.key, C.uscc, SINCE, ratio=0.5),
        make_relation(SHAREHOLDER, C.uscc, B.uscc, SINCE, ratio=0.4),
    ]
    load(store, orgs=[A, B, C, D, E], persons=[P1, P2], relations=relations)


def subjects_of(path: dict[str, Any]) -> list[str]:
    return [e["id"] for e in path["elements"] if e["type"] == "subject"]


def paths(graph_api: GraphApi, **params: Any) -> list[dict[str, Any]]:
    body = graph_api.ok("/v1/graph/paths", **{"from": A.uscc, "to": B.uscc, "as_of": DAY, **params})
    found: list[dict[str, Any]] = body["paths"]
    return found


def test_k_shortest_paths_come_shortest_first(graph_api: GraphApi) -> None:
    found = paths(graph_api, k=3, max_hops=4)

    assert [p["hops"] for p in found] == [2, 2, 3], found
    assert sorted(subjects_of(p) for p in found[:2]) == sorted(
        [[A.uscc, P1.key, B.uscc], [A.uscc, D.uscc, B.uscc]]
    )
    assert subjects_of(found[2]) == [A.uscc, P2.key, C.uscc, B.uscc], found[2]


def test_a_path_alternates_subjects_and_relations_and_names_parallel_roles(graph_api: GraphApi) -> None:
    via_p1 = next(p for p in paths(graph_api, k=3) if P1.key in subjects_of(p))
    elements = via_p1["elements"]

    assert [e["type"] for e in elements] == ["subject", "relation", "subject", "relation", "subject"], (
        elements
    )
    rep, director = elements[1], elements[3]
    assert (rep["role"], rep["source_id"], rep["target_id"]) == ("legal_representative", P1.key, A.uscc), rep
    assert (director["role"], director["other_roles"]) == ("director", ["supervisor"]), director
    assert director["key"] == f"director|{P1.key}|{B.uscc}|2020-01-01", director
    assert elements[0]["name"] == A.name and elements[2]["kind"] == "person", elements


def test_max_hops_leaves_out_longer_paths(graph_api: GraphApi) -> None:
    found = paths(graph_api, k=3, max_hops=2)

    assert [p["hops"] for p in found] == [2, 2], found


def test_k_bounds_the_number_of_paths(graph_api: GraphApi) -> None:
    found = paths(graph_api, k=1, max_hops=4)

    assert [p["hops"] for p in found] == [2], found


def test_a_relation_ended_before_the_day_carries_no_path(graph_api: GraphApi) -> None:
    found = paths(graph_api, k=3, max_hops=4, as_of="2025-06-01")

    assert [subjects_of(p) for p in found] == [[A.uscc, P1.key, B.uscc], [A.uscc, P2.key, C.uscc, B.uscc]], (
        found
    )


def test_subjects_not_connected_within_max_hops_get_no_paths(graph_api: GraphApi) -> None:
    unrelated = graph_api.ok("/v1/graph/paths", **{"from": A.uscc, "to": E.uscc})
    one_hop = graph_api.ok("/v1/graph/paths", **{"from": A.uscc, "to": B.uscc, "max_hops": 1, "as_of": DAY})

    assert unrelated["paths"] == [] and one_hop["paths"] == [], (unrelated, one_hop)


def test_paths_from_a_subject_to_itself_are_refused(graph_api: GraphApi) -> None:
    response = graph_api.get("/v1/graph/paths", **{"from": A.uscc, "to": A.uscc.lower()})

    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "to", response.text


def test_an_unknown_end_is_404_naming_the_parameter(graph_api: GraphApi) -> None:
    response = graph_api.get("/v1/graph/paths", **{"from": A.uscc, "to": UNSTORED.uscc})

    assert response.status_code == 404, response.text
    assert response.json()["detail"] == f"to: no subject {UNSTORED.uscc!r} in the credit graph", response.text


def test_a_batch_relates_every_pair_and_groups_the_related(graph_api: GraphApi) -> None:
    body = {"subject_ids": [A.uscc, B.uscc, E.uscc, C.uscc, UNSTORED.uscc], "as_of": DAY, "max_hops": 4}
    response = graph_api.client.post(
        "/v1/graph/paths/batch", json=body, headers={"X-API-Key": "k-graph-admin-0001"}
    )
    result = response.json()

    assert response.status_code == 200, result
    pairs = [(p["from_id"], p["to_id"], p["hops"]) for p in result["pairs"]]
    assert pairs == [(B.uscc, C.uscc, 1), (A.uscc, B.uscc, 2), (A.uscc, C.uscc, 2)], pairs
    assert result["groups"] == [[A.uscc, B.uscc, C.uscc]], result
    assert (result["unrelated"], result["not_found"]) == ([E.uscc], [UNSTORED.uscc]), result
    assert subjects_of(result["pairs"][2]["paths"][0]) == [A.uscc, P2.key, C.uscc], result["pairs"][2]


def test_a_batch_names_the_malformed_entry(graph_api: GraphApi) -> None:
    body = {"subject_ids": [A.uscc, B.uscc, "91430923MA4L2B3C1X"]}
    response = graph_api.client.post(
        "/v1/graph/paths/batch", json=body, headers={"X-API-Key": "k-graph-admin-0001"}
    )

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "subject_ids[2]", response.text


def test_a_batch_of_more_than_fifty_subjects_is_refused(graph_api: GraphApi) -> None:
    body = {"subject_ids": [make_org(n).uscc for n in range(100, 151)]}
    response = graph_api.client.post(
        "/v1/graph/paths/batch", json=body, headers={"X-API-Key": "k-graph-admin-0001"}
    )

    assert response.status_code == 422 and "subject_ids" in response.json()["detail"], response.text


def test_path_searches_are_audited_with_both_ends(graph_api: GraphApi) -> None:
    paths(graph_api, k=2)

    record = graph_api.audited()[-1]
    assert (record.detail["view"], record.subject_id, record.detail["to"]) == ("paths", A.uscc, B.uscc), (
        record
    )
    assert record.detail["found"] == 2, record
