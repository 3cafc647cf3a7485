"""The explorer's picture: the graph around a subject as Cytoscape.js elements, and paging through hubs.

Hubs are bounded: an expanded subject shows its first ``limit`` relations (the store's order) and one
placeholder node "还有 N 条 · N more" whose ``owner`` and ``offset`` say which page
:func:`neighbours_page` returns next.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping

from graph_service.domain.model import (
    EntryFilter,
    EntryStatus,
    ListKind,
    Organization,
    Person,
    Relation,
)
from graph_service.errors import InvalidInput
from graph_service.services.explore.elements import (
    EdgeData,
    EdgeElement,
    Elements,
    GraphView,
    ListStatus,
    NeighbourPage,
    NodeData,
    NodeElement,
)
from graph_service.services.explore.labels import (
    KIND_LABELS,
    LIST_SEVERITY,
    relation_label,
    relation_label_en,
)
from graph_service.services.explore.subgraph import Subgraph, extract, require_subjects
from graph_service.store.base import GraphStore

MAX_DEPTH = 3
MAX_LIMIT = 200
# Paging reads the first offset + limit relations of a subject; beyond this a hub is better studied with
# the analytics or an export than by clicking.
MAX_PAGE_END = 10_000
_LIVE = frozenset({EntryStatus.ACTIVE, EntryStatus.DISPUTED})


def subject_graph(
    store: GraphStore, subject_id: str, *, depth: int, as_of: dt.date, include_history: bool, limit: int
) -> GraphView:
    """Subjects within ``depth`` hops of ``subject_id``, at most ``limit`` relations per expanded subject.

    Relations valid on ``as_of``; with ``include_history`` every relation ever recorded, past ones marked
    ``current: false``. List colours are the entries live on ``as_of`` either way.
    """
    if not 1 <= depth <= MAX_DEPTH:
        raise InvalidInput.for_field("depth", depth, f"must be between 1 and {MAX_DEPTH}")
    _check_limit(limit)
    require_subjects(store, [("subject_id", subject_id)])
    data_version = store.data_version()
    sub = extract(store, [subject_id], depth=depth, as_of=None if include_history else as_of, limit=limit)
    elements = graph_elements(store, sub, as_of=as_of)
    return GraphView(
        origin_id=subject_id,
        as_of=as_of,
        include_history=include_history,
        depth=depth,
        limit=limit,
        truncated=sub.truncated,
        truncated_at=sub.truncated_at,
        capped=sub.capped,
        data_version=data_version,
        elements=elements,
    )


def neighbours_page(
    store: GraphStore, subject_id: str, *, offset: int, limit: int, as_of: dt.date, include_history: bool
) -> NeighbourPage:
    """Relations ``offset .. offset + limit`` of one subject (the store's order) with their other ends."""
    _check_limit(limit)
    if offset < 0 or offset + limit > MAX_PAGE_END:
        reason = f"offset must be >= 0 and offset + limit at most {MAX_PAGE_END}"
        raise InvalidInput.for_field("offset", offset, reason)
    require_subjects(store, [("subject_id", subject_id)])
    data_version = store.data_version()
    store_as_of = None if include_history else as_of
    adj = store.adjacent([subject_id], as_of=store_as_of, limit_per_node=offset + limit)[subject_id]
    links = adj.links[offset : offset + limit]
    sub = Subgraph(origins=(subject_id,), as_of=store_as_of, depth_of={subject_id: 0})
    sub.totals[subject_id] = adj.total
    for relation, neighbour in links:
        sub.depth_of.setdefault(neighbour, 1)
        sub.relations[relation.key] = relation
    others = sorted(k for k in sub.depth_of if k != subject_id)
    for key, other in store.adjacent(others, as_of=store_as_of, limit_per_node=0).items():
        sub.totals[key] = other.total
    end = offset + len(links)
    next_offset = end if end < adj.total else None
    elements = graph_elements(store, sub, as_of=as_of, hops=False)
    if next_offset is not None:
        node, edge = placeholder(subject_id, next_offset, adj.total - end)
        elements.nodes.append(node)
        elements.edges.append(edge)
    return NeighbourPage(
        subject_id=subject_id,
        as_of=as_of,
        include_history=include_history,
        offset=offset,
        limit=limit,
        total=adj.total,
        next_offset=next_offset,
        data_version=data_version,
        elements=elements,
    )


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput.for_field("limit", limit, f"must be between 1 and {MAX_LIMIT}")


def graph_elements(store: GraphStore, sub: Subgraph, *, as_of: dt.date, hops: bool = True) -> Elements:
    """Nodes and edges of a subgraph, with a placeholder for each expanded subject that has more."""
    hidden = sub.hidden()
    ids = sorted(sub.depth_of)
    nodes = node_elements(
        store,
        ids,
        as_of=as_of,
        hops=sub.depth_of if hops else {},
        totals=sub.totals,
        hidden=hidden,
        origins=set(sub.origins),
    )
    edges = [edge_element(r, as_of) for r in sub.sorted_relations()]
    for owner in sub.truncated_at:
        shown = sub.shown[owner]
        node, edge = placeholder(owner, shown, sub.totals[owner] - shown)
        nodes.append(node)
        edges.append(edge)
    return Elements(nodes=nodes, edges=edges)


def live_lists(
    store: GraphStore, ids: Iterable[str], as_of: dt.date
) -> dict[str, list[tuple[ListKind, bool]]]:
    """Per subject, the lists of its entries live on ``as_of`` and whether each is disputed."""
    found: dict[str, list[tuple[ListKind, bool]]] = defaultdict(list)
    for entry in store.entries_for(ids, EntryFilter(statuses=_LIVE, in_validity_on=as_of)):
        found[entry.subject_id].append((entry.list, entry.status is EntryStatus.DISPUTED))
    return found


def node_elements(
    store: GraphStore,
    ids: list[str],
    *,
    as_of: dt.date,
    hops: Mapping[str, int],
    totals: Mapping[str, int],
    hidden: Mapping[str, int],
    origins: set[str],
) -> list[NodeElement]:
    """Node elements for ``ids``: name, kind, region, list status on ``as_of`` and relation counts."""
    subjects = store.get_subjects(ids)
    lists = live_lists(store, ids, as_of)
    nodes: list[NodeElement] = []
    for key in ids:
        subject = subjects.get(key)
        on_lists = {kind for kind, _ in lists.get(key, [])}
        status: ListStatus = next((k.value for k in LIST_SEVERITY if k in on_lists), "none")
        data = NodeData(
            id=key,
            label=subject.name if subject is not None else key,
            name=subject.name if subject is not None else None,
            kind=subject.subject_kind.value if subject is not None else None,
            kind_label=KIND_LABELS[subject.subject_kind][0] if subject is not None else None,
            region=subject.region if subject is not None else None,
            org_status=subject.status if isinstance(subject, Organization) else None,
            unresolved=isinstance(subject, Person) and subject.unresolved,
            known=subject is not None,
            lists=sorted(on_lists, key=LIST_SEVERITY.index),
            list_status=status,
            disputed=any(disputed for _, disputed in lists.get(key, [])),
            origin=key in origins,
            hops=hops.get(key),
            degree=totals.get(key, 0),
            hidden=hidden.get(key, 0),
        )
        nodes.append(NodeElement(data=data, classes=_node_classes(data)))
    return nodes


def _node_classes(data: NodeData) -> str:
    classes = [data.kind or "unknown", f"list-{data.list_status}"]
    if data.origin:
        classes.append("origin")
    if data.disputed:
        classes.append("disputed")
    if data.org_status is not None and data.org_status.value != "active":
        classes.append("inactive")
    if data.hidden > 0:
        classes.append("expandable")
    return " ".join(classes)


def edge_element(relation: Relation, as_of: dt.date) -> EdgeElement:
    """A relation as an edge; ``current`` tells whether it held on ``as_of``."""
    current = relation.valid_on(as_of)
    data = EdgeData(
        id=relation.key,
        source=relation.source_id,
        target=relation.target_id,
        role=relation.kind.value,
        label=relation_label(relation),
        label_en=relation_label_en(relation),
        title=relation.title,
        start_on=relation.start_on,
        end_on=relation.end_on,
        ratio=relation.ratio,
        current=current,
    )
    return EdgeElement(data=data, classes=f"{relation.kind.value} {'current' if current else 'past'}")


def placeholder(owner: str, offset: int, remaining: int) -> tuple[NodeElement, EdgeElement]:
    """The "and N more" node of ``owner`` and the edge tying it to its owner."""
    node_id = f"more:{owner}:{offset}"
    node = NodeElement(
        data=NodeData(
            id=node_id,
            label=f"还有 {remaining} 条 · {remaining} more",
            kind="more",
            owner=owner,
            offset=offset,
            remaining=remaining,
        ),
        classes="more",
    )
    edge = EdgeElement(
        data=EdgeData(id=f"{node_id}:edge", source=owner, target=node_id, role="more", label="", label_en=""),
        classes="more",
    )
    return node, edge
