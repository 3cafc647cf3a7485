"""The embedded store's :meth:`GraphPort.check_view`: the walk and its reads straight off the graph's dicts.

The port's default asks ``adjacent`` level by level, which builds a :class:`Relation` for every link of
every subject expanded, then a dozen reads, each taking the lock. Here the walk filters, orders and cuts
the packed edges themselves and builds a relation only for a step of a path (one per subject reached);
the rest are index lookups, all under the caller's one lock acquisition. Same walk as
:func:`~graph_service.store.graph_port.breadth_first` over :meth:`MemoryStore.adjacent` (links valid on
``as_of``, in :func:`relation_order`, the first ``limit_per_node`` of each subject), same view: the
contract suite compares the two.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from graph_service.domain.model import ListEntry, Neighbourhood, Path, Person, Subject
from graph_service.domain.propagation import PersonalLink
from graph_service.store.check_view import CheckView, Namesake, is_masked_namesake, namesakes_of
from graph_service.store.memory.compact import packed_key, packed_valid_on, unpack_relation, unpack_subject
from graph_service.store.memory.graph import GraphState

# (neighbour id, relation key, source id, target id, packed relation): a link, sortable as relation_order
_Link = tuple[str, str, str, str, tuple[Any, ...]]


def check_view(
    state: GraphState, subject_id: str, depth: int, as_of: dt.date | None, limit_per_node: int
) -> CheckView:
    """:meth:`GraphPort.check_view` of the state (the caller holds the store's lock)."""
    walk = _walk(state, subject_id, depth, as_of, limit_per_node)
    reached = sorted(walk.paths)
    packed = state.packed
    subjects: dict[str, Subject] = {key: unpack_subject(key, packed[key]) for key in reached if key in packed}
    entries = state.entries
    on = [entries[entry_id] for entry_id in state.entry_ids_of_subjects(reached)]
    links: list[PersonalLink] = [link for key in reached for link in state.links_of_person(key)]
    known = {entry.entry_id for entry in on}
    linked: list[ListEntry] = [
        entries[entry_id]
        for entry_id in sorted({link.entry_id for link in links} - known)
        if entry_id in entries
    ]
    penalties = [state.penalties[key] for key in state.penalty_keys_of([subject_id])]
    namesakes = _masked_namesakes(state, subjects.get(subject_id))
    return CheckView.of(walk, state.version, subjects, on, links, linked, penalties, namesakes)


def _masked_namesakes(state: GraphState, origin: Subject | None) -> tuple[Namesake, ...]:
    """:attr:`CheckView.namesakes`: every subject the search index finds by the person's name (no limit:
    the index's candidates are the names holding the name's rarest pair of characters), kept by the rule."""
    if not isinstance(origin, Person) or origin.id_number is None:
        return ()
    keys = state.search(origin.name.strip().casefold(), len(state.packed))
    found = (state.subject(key) for key in keys)
    candidates = [s for s in found if s is not None and is_masked_namesake(origin, s)]
    entries = state.entries
    on = [entries[entry_id] for entry_id in state.entry_ids_of_subjects(s.key for s in candidates)]
    return namesakes_of(origin, candidates, on)


def _walk(
    state: GraphState, subject_id: str, depth: int, as_of: dt.date | None, limit_per_node: int
) -> Neighbourhood:
    # networkx's own adjacency dicts (documented as G._succ / G._pred): its views cost more than the walk.
    succ, pred = state.graph._succ, state.graph._pred
    paths: dict[str, Path] = {subject_id: Path(start_id=subject_id)}
    frontier = [subject_id]
    truncated_at: list[str] = []
    for _ in range(depth):
        if not frontier:
            break
        next_frontier: list[str] = []
        for node in frontier:
            if node not in succ:
                continue  # an unknown subject: no links (as adjacent leaves it out)
            links = _links(node, succ[node], pred[node], as_of)
            if len(links) > limit_per_node:
                truncated_at.append(node)
                links = links[:limit_per_node]
            for neighbour, _, source, target, packed in links:
                if neighbour not in paths:
                    relation = unpack_relation(source, target, packed)
                    paths[neighbour] = paths[node].extend(relation, neighbour)
                    next_frontier.append(neighbour)
        frontier = sorted(next_frontier)
    return Neighbourhood(
        origin_id=subject_id,
        depth=depth,
        paths=paths,
        truncated=bool(truncated_at),
        truncated_at=tuple(sorted(truncated_at)),
    )


def _links(node: str, out: dict[str, Any], into: dict[str, Any], as_of: dt.date | None) -> list[_Link]:
    """``node``'s links valid on ``as_of`` in both directions (a self-loop once), in relation_order."""
    links: list[_Link] = []
    for target, edges in out.items():
        for packed in edges.values():
            if as_of is None or packed_valid_on(packed, as_of):
                links.append((target, packed_key(node, target, packed), node, target, packed))
    for source, edges in into.items():
        if source == node:
            continue
        for packed in edges.values():
            if as_of is None or packed_valid_on(packed, as_of):
                links.append((source, packed_key(source, node, packed), source, node, packed))
    links.sort(key=_order)
    return links


def _order(link: _Link) -> tuple[str, str]:
    return (link[0], link[1])
