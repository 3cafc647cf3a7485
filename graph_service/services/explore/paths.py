"""How subjects are connected (找关系): up to k shortest paths between two subjects, or among many.

Method: the bounded subgraphs around both ends (``ceil(max_hops / 2)`` hops from the first,
``floor(max_hops / 2)`` from the second) hold every relation of every path of at most ``max_hops`` hops —
each hop of such a path lies within the reach of one end — unless a hub was cut at the fan-out limit, which
the answer then says (``truncated_at``). The union goes into a networkx graph (undirected: a shared
legal representative connects two companies whichever way the relations point) and
``nx.shortest_simple_paths`` lists simple paths by increasing length. Parallel relations between the same
two subjects are one hop; the others are listed in ``other_roles``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from itertools import combinations, islice

import networkx as nx
from pydantic import BaseModel, Field

from graph_service.domain.model import Relation, Subject
from graph_service.errors import InvalidInput
from graph_service.services.checks.models import PathRelation, PathSubject
from graph_service.services.explore.subgraph import Subgraph, extract, parse_subject_id, require_subjects
from graph_service.store.base import GraphStore

MAX_HOPS = 6
MAX_K = 10
MAX_BATCH_SUBJECTS = 50
MAX_BATCH_K = 3


class HopRelation(PathRelation):
    """A hop of an explorer path; ``other_roles`` are further relations between the same two subjects."""

    key: str = Field(description="Relation key kind|source|target|start_on (the graph's edge id)")
    other_roles: list[str] = Field(default_factory=list)


class FoundPath(BaseModel):
    hops: int
    elements: list[PathSubject | HopRelation] = Field(description="Alternating subjects and relations")


class PathsResult(BaseModel):
    from_id: str
    to_id: str
    as_of: dt.date
    max_hops: int
    k: int
    paths: list[FoundPath] = Field(description="Shortest first; empty when not connected within max_hops")
    truncated: bool = Field(description="A hub was cut at the fan-out limit: longer or other paths may exist")
    truncated_at: list[str] = Field(default_factory=list)
    data_version: int


class PathsBatchRequest(BaseModel):
    """Subjects to relate pairwise (e.g. the bidders of one tender, 企业间找关系)."""

    subject_ids: list[str] = Field(min_length=2, max_length=MAX_BATCH_SUBJECTS)
    max_hops: int = Field(default=4, ge=1, le=MAX_HOPS)
    k: int = Field(default=1, ge=1, le=MAX_BATCH_K)
    as_of: dt.date | None = Field(default=None, description="Default today")


class PairPaths(BaseModel):
    from_id: str
    to_id: str
    hops: int = Field(description="Hops of the shortest path")
    paths: list[FoundPath]


class PathsBatchResult(BaseModel):
    as_of: dt.date
    max_hops: int
    k: int
    subject_ids: list[str]
    not_found: list[str] = Field(default_factory=list, description="Valid keys not in the credit graph")
    pairs: list[PairPaths] = Field(description="Connected pairs only, nearest first")
    groups: list[list[str]] = Field(description="Given subjects connected within max_hops, groups of 2+")
    unrelated: list[str] = Field(description="Given (known) subjects connected to none of the others")
    truncated: bool
    truncated_at: list[str] = Field(default_factory=list)
    data_version: int


def relation_graph(relations: Sequence[Relation]) -> nx.Graph:
    """An undirected graph: one edge per related pair, holding its relations sorted by key."""
    graph = nx.Graph()
    for relation in sorted(relations, key=lambda r: r.key):
        u, v = relation.source_id, relation.target_id
        if graph.has_edge(u, v):
            graph.edges[u, v]["relations"].append(relation)
        else:
            graph.add_edge(u, v, relations=[relation])
    return graph


def _paths(graph: nx.Graph, a: str, b: str, *, max_hops: int, k: int) -> list[list[str]]:
    if a not in graph or b not in graph or not nx.has_path(graph, a, b):
        return []
    return list(islice(_until_too_long(nx.shortest_simple_paths(graph, a, b), max_hops), k))


def _until_too_long(paths: Iterator[list[str]], max_hops: int) -> Iterator[list[str]]:
    """Paths come by increasing length, so the first one too long ends the search."""
    for path in paths:
        if len(path) - 1 > max_hops:
            return
        yield path


def found_path(graph: nx.Graph, nodes: list[str], subjects: dict[str, Subject]) -> FoundPath:
    """A node sequence as alternating subjects and relations (the first relation of each pair by key)."""

    def subject(key: str) -> PathSubject:
        s = subjects.get(key)
        return PathSubject(id=key, name=s.name if s else None, kind=s.subject_kind if s else None)

    elements: list[PathSubject | HopRelation] = [subject(nodes[0])]
    for u, v in zip(nodes, nodes[1:], strict=False):
        first, *others = graph.edges[u, v]["relations"]
        elements.append(
            HopRelation(
                role=first.kind.value,
                source_id=first.source_id,
                target_id=first.target_id,
                start_on=first.start_on,
                end_on=first.end_on,
                title=first.title,
                ratio=first.ratio,
                key=first.key,
                other_roles=[r.kind.value for r in others],
            )
        )
        elements.append(subject(v))
    return FoundPath(hops=len(nodes) - 1, elements=elements)


def _check(max_hops: int, k: int, max_k: int) -> None:
    if not 1 <= max_hops <= MAX_HOPS:
        raise InvalidInput.for_field("max_hops", max_hops, f"must be between 1 and {MAX_HOPS}")
    if not 1 <= k <= max_k:
        raise InvalidInput.for_field("k", k, f"must be between 1 and {max_k}")


def _merge(parts: Sequence[Subgraph]) -> tuple[list[Relation], list[str]]:
    relations: dict[str, Relation] = {}
    cut: set[str] = set()
    for part in parts:
        relations.update(part.relations)
        cut.update(part.truncated_at)
    return list(relations.values()), sorted(cut)


def find_paths(
    store: GraphStore, from_id: str, to_id: str, *, max_hops: int, k: int, as_of: dt.date, fan_out_limit: int
) -> PathsResult:
    """Up to ``k`` shortest simple paths of at most ``max_hops`` between two subjects on ``as_of``."""
    _check(max_hops, k, MAX_K)
    if from_id == to_id:
        raise InvalidInput.for_field("to", to_id, "must differ from 'from'")
    require_subjects(store, [("from", from_id), ("to", to_id)])
    data_version = store.data_version()
    near = extract(store, [from_id], depth=math.ceil(max_hops / 2), as_of=as_of, limit=fan_out_limit)
    far = extract(store, [to_id], depth=max_hops // 2, as_of=as_of, limit=fan_out_limit)
    relations, cut = _merge([near, far])
    graph = relation_graph(relations)
    found = _paths(graph, from_id, to_id, max_hops=max_hops, k=k)
    subjects = store.get_subjects({key for path in found for key in path})
    return PathsResult(
        from_id=from_id,
        to_id=to_id,
        as_of=as_of,
        max_hops=max_hops,
        k=k,
        paths=[found_path(graph, path, subjects) for path in found],
        truncated=bool(cut) or near.capped or far.capped,
        truncated_at=cut,
        data_version=data_version,
    )


def find_paths_batch(
    store: GraphStore, request: PathsBatchRequest, *, as_of: dt.date, fan_out_limit: int
) -> PathsBatchResult:
    """Paths between every pair of the given subjects, and the groups they form.

    Each subject's subgraph reaches ``ceil(max_hops / 2)`` hops, so every pair's paths of at most
    ``max_hops`` hops lie in the union (see the module docstring).
    """
    keys: list[str] = []
    for index, raw in enumerate(request.subject_ids):
        key = parse_subject_id(f"subject_ids[{index}]", raw)
        if key not in keys:
            keys.append(key)
    if len(keys) < 2:
        raise InvalidInput.for_field(
            "subject_ids", request.subject_ids, "needs at least two different subjects"
        )
    data_version = store.data_version()
    stored = store.get_subjects(keys)
    known = [key for key in keys if key in stored]
    depth = math.ceil(request.max_hops / 2)
    parts = [extract(store, [key], depth=depth, as_of=as_of, limit=fan_out_limit) for key in known]
    relations, cut = _merge(parts)
    graph = relation_graph(relations)
    reach = {
        key: nx.single_source_shortest_path_length(graph, key, cutoff=request.max_hops)
        if key in graph
        else {}
        for key in known
    }
    pairs: list[PairPaths] = []
    related = nx.Graph()
    related.add_nodes_from(known)
    for a, b in combinations(known, 2):
        if b not in reach[a]:
            continue
        found = _paths(graph, a, b, max_hops=request.max_hops, k=request.k)
        if not found:
            continue
        subjects = store.get_subjects({key for path in found for key in path})
        pairs.append(
            PairPaths(
                from_id=a,
                to_id=b,
                hops=len(found[0]) - 1,
                paths=[found_path(graph, path, subjects) for path in found],
            )
        )
        related.add_edge(a, b)
    pairs.sort(key=lambda p: (p.hops, keys.index(p.from_id), keys.index(p.to_id)))
    groups = sorted(
        (sorted(c, key=keys.index) for c in nx.connected_components(related) if len(c) > 1),
        key=lambda g: keys.index(g[0]),
    )
    return PathsBatchResult(
        as_of=as_of,
        max_hops=request.max_hops,
        k=request.k,
        subject_ids=keys,
        not_found=[key for key in keys if key not in stored],
        pairs=pairs,
        groups=groups,
        unrelated=[key for key in known if related.degree(key) == 0],
        truncated=bool(cut) or any(p.capped for p in parts),
        truncated_at=cut,
        data_version=data_version,
    )
