"""``/v1/graph/subjects/{id}`` and ``…/neighbours``: bounded hubs, paging, depth, as-of and history, roles.

The fixture: company H has seven people (P1 its legal representative, P2..P7 directors). P1 is also a
director of O2, which is on the black list, and was a supervisor of O3 until 2022.
"""

from __future__ import annotations

import datetime as dt

import pytest

from graph_service.domain.model import RelationKind
from graph_service.store.base import GraphStore
from tests.api.graph_support import (
    APPROVAL,
    GraphApi,
    edges_by_id,
    load,
    node_ids,
    nodes_by_id,
    placeholders,
)
from tests.factories import make_entry, make_org, make_person, make_relation

SINCE = dt.date(2020, 1, 1)
ENDED = dt.date(2022, 1, 1)
DAY = "2024-06-01"
H, O2, O3 = make_org(1), make_org(2, name="黑名单测试企业有限公司"), make_org(3)
PEOPLE = [make_person(n) for n in range(1, 8)]
P1 = PEOPLE[0]
REP = make_relation(RelationKind.LEGAL_REPRESENTATIVE, P1.key, H.uscc, SINCE)
DIRECTORS = [make_relation(RelationKind.DIRECTOR, p.key, H.uscc, SINCE) for p in PEOPLE[1:]]
P1_DIRECTOR = make_relation(RelationKind.DIRECTOR, P1.key, O2.uscc, SINCE, title="董事长")
P1_PAST = make_relation(RelationKind.SUPERVISOR, P1.key, O3.uscc, SINCE, end_on=ENDED)
HUB_RELATIONS = [REP, *DIRECTORS]


@pytest.fixture(autouse=True)
def registry(store: GraphStore) -> None:
    load(
        store,
        orgs=[H, O2, O3],
        persons=PEOPLE,
        relations=[*HUB_RELATIONS, P1_DIRECTOR, P1_PAST],
        entries=[make_entry("T-B-0001", O2.uscc)],
    )


def first_in_store_order(n: int) -> list[str]:
    """Keys of H's first ``n`` relations in the store's order (neighbour id, then relation key)."""
    ordered = sorted(HUB_RELATIONS, key=lambda r: (r.other_end(H.uscc), r.key))
    return [r.key for r in ordered[:n]]


def test_a_hub_shows_its_first_limit_relations_and_an_and_n_more_node(graph_api: GraphApi) -> None:
    body = graph_api.ok(f"/v1/graph/subjects/{H.uscc}", depth=1, limit=3, as_of=DAY)

    assert sorted(edges_by_id(body)) == sorted(first_in_store_order(3)), body
    more = placeholders(body)
    assert [(m["owner"], m["offset"], m["remaining"]) for m in more] == [(H.uscc, 3, 4)], more
    assert "4 more" in more[0]["label"] and "还有 4" in more[0]["label"], more
    assert body["truncated"] is True and body["truncated_at"] == [H.uscc], body


def test_paging_the_placeholder_lists_every_relation_exactly_once(graph_api: GraphApi) -> None:
    seen = list(edges_by_id(graph_api.ok(f"/v1/graph/subjects/{H.uscc}", depth=1, limit=3, as_of=DAY)))
    offsets = []
    offset: int | None = 3
    while offset is not None:
        page = graph_api.ok(f"/v1/graph/subjects/{H.uscc}/neighbours", offset=offset, limit=3, as_of=DAY)
        offsets.append((page["offset"], page["next_offset"], page["total"]))
        seen += list(edges_by_id(page))
        offset = page["next_offset"]

    assert offsets == [(3, 6, 7), (6, None, 7)], offsets
    assert sorted(seen) == sorted(r.key for r in HUB_RELATIONS) and len(seen) == 7, seen


def test_a_neighbours_page_with_more_to_come_ends_in_a_placeholder_for_the_next_page(
    graph_api: GraphApi,
) -> None:
    page = graph_api.ok(f"/v1/graph/subjects/{H.uscc}/neighbours", offset=0, limit=2, as_of=DAY)

    assert sorted(edges_by_id(page)) == sorted(first_in_store_order(2)), page
    assert [(m["owner"], m["offset"], m["remaining"]) for m in placeholders(page)] == [(H.uscc, 2, 5)], page


def test_depth_two_reaches_the_other_company_of_a_shared_person_with_its_list_status(
    graph_api: GraphApi,
) -> None:
    body = graph_api.ok(f"/v1/graph/subjects/{H.uscc}", depth=2, limit=10, as_of=DAY)
    nodes = nodes_by_id(body)

    o2 = nodes[O2.uscc]
    assert (o2["hops"], o2["list_status"], o2["lists"], o2["kind"]) == (
        2,
        "black",
        ["black"],
        "enterprise",
    ), o2
    assert o2["region"] == "430923" and o2["label"] == "黑名单测试企业有限公司", o2
    assert nodes[H.uscc]["origin"] is True and nodes[H.uscc]["list_status"] == "none", nodes[H.uscc]
    assert O3.uscc not in nodes and placeholders(body) == [], body
    edge = edges_by_id(body)[P1_DIRECTOR.key]
    assert (edge["source"], edge["target"], edge["role"], edge["label"]) == (
        P1.key, O2.uscc, "director", "董事"
    ), edge  # fmt: skip
    assert (edge["start_on"], edge["end_on"], edge["title"], edge["current"]) == (
        "2020-01-01",
        None,
        "董事长",
        True,
    )


def test_a_subject_on_the_last_layer_says_how_many_relations_are_left_out(graph_api: GraphApi) -> None:
    body = graph_api.ok(f"/v1/graph/subjects/{H.uscc}", depth=1, limit=10, as_of=DAY)
    p1 = nodes_by_id(body)[P1.key]

    # P1 has two relations on the day (H and O2); the ended one at O3 does not count.
    assert (p1["hops"], p1["degree"], p1["hidden"]) == (1, 2, 1), p1


def test_an_ended_relation_is_left_out_on_later_days_and_drawn_as_past_with_history(
    graph_api: GraphApi,
) -> None:
    path = f"/v1/graph/subjects/{P1.key}"
    today = graph_api.ok(path, depth=1, as_of=DAY)
    history = graph_api.ok(path, depth=1, as_of=DAY, include_history="true")

    assert O3.uscc not in node_ids(today), today
    past = edges_by_id(history)[P1_PAST.key]
    assert (past["current"], past["end_on"], past["role"]) == (False, "2022-01-01", "supervisor"), past
    assert O3.uscc in node_ids(history) and edges_by_id(history)[REP.key]["current"] is True, history


def test_a_day_before_the_end_shows_the_relation_as_current(graph_api: GraphApi) -> None:
    body = graph_api.ok(f"/v1/graph/subjects/{P1.key}", depth=1, as_of="2021-12-31")

    assert edges_by_id(body)[P1_PAST.key]["current"] is True, body


def test_an_unknown_subject_is_404_naming_it(graph_api: GraphApi) -> None:
    unknown = make_org(99).uscc
    response = graph_api.get(f"/v1/graph/subjects/{unknown}")

    assert response.status_code == 404 and unknown in response.json()["detail"], response.text


def test_a_malformed_id_is_422_naming_the_field_and_the_value(graph_api: GraphApi) -> None:
    response = graph_api.get("/v1/graph/subjects/91430923MA4L2B3C1X")
    body = response.json()

    assert response.status_code == 422, body
    assert (
        body["errors"][0]["field"] == "subject_id" and body["errors"][0]["value"] == "91430923MA4L2B3C1X"
    ), body


def test_a_depth_beyond_three_is_refused(graph_api: GraphApi) -> None:
    response = graph_api.get(f"/v1/graph/subjects/{H.uscc}", depth=4)

    assert response.status_code == 422 and "depth" in response.json()["detail"], response.text


def test_approval_callers_may_not_explore(graph_api: GraphApi) -> None:
    response = graph_api.get(f"/v1/graph/subjects/{H.uscc}", APPROVAL)

    assert response.status_code == 403 and "investigator" in response.json()["detail"], response.text


def test_search_finds_subjects_by_name_and_by_code_prefix(graph_api: GraphApi) -> None:
    by_name = graph_api.ok("/v1/graph/search", q="黑名单测试")
    by_code = graph_api.ok("/v1/graph/search", q=P1.key[:14].lower())

    assert [s["id"] for s in by_name["subjects"]] == [O2.uscc], by_name
    assert P1.key in [s["id"] for s in by_code["subjects"]], by_code


def test_every_exploration_is_audited_with_its_view(graph_api: GraphApi) -> None:
    graph_api.ok(f"/v1/graph/subjects/{H.uscc}", depth=2, as_of=DAY)
    graph_api.ok(f"/v1/graph/subjects/{H.uscc}/neighbours", offset=0, limit=2, as_of=DAY)
    graph_api.ok("/v1/graph/search", q="测试")

    records = graph_api.audited()
    seen = [(r.detail["view"], r.subject_id, r.client) for r in records]
    assert seen == [
        ("neighbourhood", H.uscc, "inspector"),
        ("neighbours", H.uscc, "inspector"),
        ("search", None, "inspector"),
    ], seen
    assert records[0].detail["depth"] == 2 and records[0].data_version is not None, records[0]
