"""``/v1/graph/subjects/{id}/export``: GraphML, GEXF and node-link JSON that networkx reads back.

The fixture: P1 is the legal representative of CO (since 2020) and holds 60 % of it; Q held 40 % of CO
until 2022; CO is on the black list.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import networkx as nx
import pytest
from followthemoney import model

from graph_service.domain.model import RelationKind
from graph_service.store.base import GraphStore
from tests.api.graph_support import APPROVAL, GraphApi, load
from tests.factories import make_entry, make_org, make_person, make_relation

SINCE = dt.date(2020, 1, 1)
DAY = "2024-06-01"
CO, Q = make_org(70, name="导出测试企业有限公司"), make_org(71)
P1 = make_person(70)
REP = make_relation(RelationKind.LEGAL_REPRESENTATIVE, P1.key, CO.uscc, SINCE)
HOLDS = make_relation(RelationKind.SHAREHOLDER, P1.key, CO.uscc, SINCE, ratio=0.6)
PAST = make_relation(RelationKind.SHAREHOLDER, Q.uscc, CO.uscc, SINCE, end_on=dt.date(2022, 1, 1), ratio=0.4)


@pytest.fixture(autouse=True)
def registry(store: GraphStore) -> None:
    load(
        store,
        orgs=[CO, Q],
        persons=[P1],
        relations=[REP, HOLDS, PAST],
        entries=[make_entry("X-B-1", CO.uscc)],
    )


def export(graph_api: GraphApi, fmt: str, **params: object) -> bytes:
    response = graph_api.get(f"/v1/graph/subjects/{CO.uscc}/export", format=fmt, as_of=DAY, depth=1, **params)
    assert response.status_code == 200, response.text
    assert f".{fmt}" in response.headers["content-disposition"], response.headers
    return response.content


def test_graphml_reads_back_with_typed_attributes(graph_api: GraphApi) -> None:
    graph = nx.read_graphml(io.BytesIO(export(graph_api, "graphml")), force_multigraph=True)

    assert set(graph.nodes) == {CO.uscc, P1.key}, graph.nodes
    node = graph.nodes[CO.uscc]
    assert (node["label"], node["kind"], node["list_status"], node["lists"]) == (
        "导出测试企业有限公司", "enterprise", "black", "black"
    ), node  # fmt: skip
    assert node["origin"] is True and node["degree"] == 2, node
    edges = {d["id"]: d for _, _, d in graph.edges(data=True)}
    assert set(edges) == {REP.key, HOLDS.key}, edges
    rep, holds = edges[REP.key], edges[HOLDS.key]
    assert (rep["start_on"], rep["end_on"], rep["label"], "ratio" in rep) == (
        "2020-01-01",
        "",
        "法定代表人",
        False,
    )
    assert (holds["ratio"], holds["role"], holds["current"]) == (0.6, "shareholder", True), holds


def test_gexf_reads_back_with_the_same_nodes_and_relations(graph_api: GraphApi) -> None:
    graph = nx.read_gexf(io.BytesIO(export(graph_api, "gexf")))

    assert set(graph.nodes) == {CO.uscc, P1.key}, graph.nodes
    assert {d["id"] for _, _, d in graph.edges(data=True)} == {REP.key, HOLDS.key}, list(
        graph.edges(data=True)
    )


def test_node_link_json_reads_back_and_history_adds_past_relations(graph_api: GraphApi) -> None:
    data = json.loads(export(graph_api, "json", include_history="true"))
    graph = nx.node_link_graph(data, edges="edges")

    assert set(graph.nodes) == {CO.uscc, P1.key, Q.uscc}, graph.nodes
    past = next(d for _, _, k, d in graph.edges(keys=True, data=True) if k == PAST.key)
    assert (past["end_on"], past["current"], past["ratio"]) == ("2022-01-01", False, 0.4), past
    assert graph.graph["origin"] == CO.uscc and graph.graph["as_of"] == DAY, graph.graph


def test_every_attribute_is_a_string_number_or_boolean(graph_api: GraphApi) -> None:
    graph = nx.node_link_graph(json.loads(export(graph_api, "json", include_history="true")), edges="edges")

    values = [v for _, d in graph.nodes(data=True) for v in d.values()]
    values += [v for _, _, d in graph.edges(data=True) for v in d.values()]
    odd = [v for v in values if not isinstance(v, str | int | float | bool)]
    assert values and odd == [], odd


def test_an_unknown_format_is_refused_naming_the_choices(graph_api: GraphApi) -> None:
    response = graph_api.get(f"/v1/graph/subjects/{CO.uscc}/export", format="pdf")

    assert response.status_code == 422 and "graphml" in response.json()["detail"], response.text


def test_ftm_export_is_entities_that_pass_their_schemas_and_is_audited(graph_api: GraphApi) -> None:
    entities = [json.loads(line) for line in export(graph_api, "ftm").decode("utf-8").splitlines()]

    for data in entities:
        schema = model.get(data["schema"])
        assert schema is not None and schema.validate(data) is None, data
    by_schema = {e["schema"]: e for e in entities}
    assert sorted(e["schema"] for e in entities) == [
        "Company", "Directorship", "Ownership", "Person", "Sanction"
    ], entities  # fmt: skip
    company, person = by_schema["Company"], by_schema["Person"]
    assert company["properties"]["registrationNumber"] == [CO.uscc], company
    assert person["properties"]["idNumber"] == [P1.key], person
    assert by_schema["Ownership"]["properties"]["percentage"] == ["60"], by_schema["Ownership"]
    assert by_schema["Directorship"]["properties"]["role"] == ["legal_representative"]
    sanction = by_schema["Sanction"]["properties"]
    assert (sanction["entity"], sanction["recordId"], sanction["status"]) == (
        [company["id"]], ["X-B-1"], ["active"]
    ), sanction  # fmt: skip
    (event,) = [r for r in graph_api.audited() if r.detail.get("view") == "export"]
    assert (event.subject_id, event.detail["format"], event.detail["nodes"]) == (CO.uscc, "ftm", 2), event


def test_approval_callers_may_not_export_ftm(graph_api: GraphApi) -> None:
    response = graph_api.get(f"/v1/graph/subjects/{CO.uscc}/export", APPROVAL, format="ftm")

    assert response.status_code == 403, response.text
