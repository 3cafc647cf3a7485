"""Exports of the graph around a subject for Gephi and scripts: GraphML, GEXF, node-link JSON.

(FollowTheMoney, the fourth format, is built from the domain models rather than this networkx graph:
:mod:`graph_service.services.explore.ftm`.)

The exported graph is the picture's graph (same extraction, same bounds, placeholders left out) as a
networkx ``MultiDiGraph`` (relations point holder/role-holder -> organisation; parallel relations are
kept, keyed by relation key). Attribute values are strings, numbers or booleans only, because GraphML and
GEXF type every attribute: dates become ISO strings and missing values ``""`` — except ``ratio``, which
stays a number for Gephi's filters and is left out where the registry gives none (an ``""`` would give
the attribute a second, string type, which GraphML writes as a second key of the same name).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from enum import StrEnum
from typing import Any

import networkx as nx

from graph_service.errors import InvalidInput
from graph_service.services.explore import ftm
from graph_service.services.explore.picture import MAX_DEPTH, graph_elements
from graph_service.services.explore.subgraph import extract, require_subjects
from graph_service.store.base import GraphStore


class ExportFormat(StrEnum):
    GRAPHML = "graphml"
    GEXF = "gexf"
    JSON = "json"
    FTM = "ftm"


MEDIA_TYPES = {
    ExportFormat.GRAPHML: "application/graphml+xml",
    ExportFormat.GEXF: "application/gexf+xml",
    ExportFormat.JSON: "application/json",
    ExportFormat.FTM: ftm.MEDIA_TYPE,
}
SUFFIXES = {fmt: fmt.value for fmt in ExportFormat} | {ExportFormat.FTM: "ftm.json"}

_NODE_FIELDS = ("label", "name", "kind", "kind_label", "region", "org_status", "list_status", "lists")
_NODE_NUMBERS = ("hops", "degree", "hidden")
_EDGE_FIELDS = ("role", "label", "label_en", "title", "start_on", "end_on")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    if isinstance(value, StrEnum):
        return value.value
    return str(value)


def export_graph(
    store: GraphStore, subject_id: str, *, depth: int, as_of: dt.date, include_history: bool, limit: int
) -> nx.MultiDiGraph:
    """The graph around ``subject_id`` as a networkx multigraph with string/number attributes only."""
    if not 1 <= depth <= MAX_DEPTH:
        raise InvalidInput.for_field("depth", depth, f"must be between 1 and {MAX_DEPTH}")
    require_subjects(store, [("subject_id", subject_id)])
    sub = extract(store, [subject_id], depth=depth, as_of=None if include_history else as_of, limit=limit)
    elements = graph_elements(store, sub, as_of=as_of)
    graph = nx.MultiDiGraph(
        origin=subject_id,
        as_of=as_of.isoformat(),
        include_history=str(include_history).lower(),
        data_version=store.data_version(),
    )
    for node in elements.nodes:
        d = node.data
        if d.kind == "more":
            continue
        attrs: dict[str, Any] = {name: _text(getattr(d, name)) for name in _NODE_FIELDS}
        attrs.update({name: int(getattr(d, name) or 0) for name in _NODE_NUMBERS})
        attrs.update(origin=d.origin, disputed=d.disputed, unresolved=d.unresolved)
        graph.add_node(d.id, **attrs)
    for edge in elements.edges:
        e = edge.data
        if e.role == "more":
            continue
        attrs = {name: _text(getattr(e, name)) for name in _EDGE_FIELDS}
        attrs["current"] = e.current
        if e.ratio is not None:
            attrs["ratio"] = float(e.ratio)
        graph.add_edge(e.source, e.target, key=e.id, id=e.id, **attrs)
    return graph


def serialise(graph: nx.MultiDiGraph, fmt: ExportFormat) -> bytes:
    """The graph in ``fmt`` (GraphML, GEXF or node-link JSON), UTF-8."""
    if fmt is ExportFormat.FTM:
        raise ValueError("FtM exports are built by graph_service.services.explore.ftm")
    if fmt is ExportFormat.JSON:
        data = nx.node_link_data(graph, edges="edges")
        return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    buffer = io.BytesIO()
    if fmt is ExportFormat.GRAPHML:
        nx.write_graphml(graph, buffer, encoding="utf-8")
    else:
        nx.write_gexf(graph, buffer, encoding="utf-8")
    return buffer.getvalue()
