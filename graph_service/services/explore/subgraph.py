"""Bounded extraction of the graph around subjects: every relation seen, not only a tree of shortest paths.

``GraphStore.neighbourhood`` keeps one path per subject, which is what a check needs; a picture, a path
search or an analysis needs every relation between the subjects reached. :func:`extract` walks breadth
first with ``GraphStore.adjacent`` (one call per layer), keeps each subject's first ``limit`` relations in
the store's order, and remembers how many there were, so a hub shows as "and N more" instead of flooding.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from graph_service.domain.identifiers import is_uscc_shaped, normalise_key
from graph_service.domain.model import Relation, subject_key
from graph_service.errors import InvalidInput, NotFound
from graph_service.store.base import GraphStore

# Whatever depth and limit ask for, an extraction stops adding subjects here (and says so): a depth-3
# walk through three hubs would otherwise return millions of subjects.
MAX_NODES = 2_000


@dataclass
class Subgraph:
    """Subjects reached from ``origins`` with their hop counts, and the relations among them."""

    origins: tuple[str, ...]
    as_of: dt.date | None
    depth_of: dict[str, int] = field(default_factory=dict)
    relations: dict[str, Relation] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    shown: dict[str, int] = field(default_factory=dict)
    capped: bool = False

    @property
    def expanded(self) -> set[str]:
        """Subjects whose relations were listed (up to the limit)."""
        return set(self.shown)

    @property
    def truncated_at(self) -> list[str]:
        """Expanded subjects with more relations than were listed."""
        return sorted(k for k, n in self.shown.items() if self.totals.get(k, 0) > n)

    @property
    def truncated(self) -> bool:
        return self.capped or bool(self.truncated_at)

    def touching(self) -> Counter[str]:
        """How many of the kept relations touch each subject."""
        count: Counter[str] = Counter()
        for relation in self.relations.values():
            count[relation.source_id] += 1
            count[relation.target_id] += 1
        return count

    def hidden(self) -> dict[str, int]:
        """Per subject, relations it has that the subgraph leaves out (beyond the limit or the depth)."""
        touching = self.touching()
        return {key: max(0, self.totals.get(key, 0) - touching[key]) for key in self.depth_of}

    def sorted_relations(self) -> list[Relation]:
        return [self.relations[key] for key in sorted(self.relations)]


def parse_subject_id(field_name: str, value: str) -> str:
    """A subject key from user input (:func:`normalise_key`), or ``InvalidInput`` naming the field."""
    try:
        return subject_key(normalise_key(value))
    except ValueError as exc:
        reason = f"not a USCC, ID number or unresolved-person key: {exc}"
        raise InvalidInput.for_field(field_name, value, reason) from exc


def require_subjects(store: GraphStore, fields: Iterable[tuple[str, str]]) -> None:
    """Raise ``NotFound`` naming each ``(field, key)`` whose subject is not stored."""
    pairs = list(fields)
    found = store.get_subjects({key for _, key in pairs})
    missing = [(name, key) for name, key in pairs if key not in found]
    if missing:
        said = "; ".join(f"{name}: no subject {key!r} in the credit graph" for name, key in missing)
        raise NotFound(said)


def extract(
    store: GraphStore,
    origins: Sequence[str],
    *,
    depth: int,
    as_of: dt.date | None,
    limit: int,
    max_nodes: int = MAX_NODES,
) -> Subgraph:
    """Subjects within ``depth`` hops of any origin over relations valid on ``as_of`` (None = history).

    Each expanded subject contributes its first ``limit`` relations (``GraphStore.adjacent`` order); the
    subjects of the last layer are not expanded, but their relation counts are fetched (limit 0) so the
    picture can say how many more each has. Deterministic on every backend.
    """
    graph = Subgraph(origins=tuple(origins), as_of=as_of)
    for origin in origins:
        graph.depth_of.setdefault(origin, 0)
    frontier = sorted(set(origins))
    for layer in range(depth):
        if not frontier:
            break
        adjacency = store.adjacent(frontier, as_of=as_of, limit_per_node=limit)
        reached: list[str] = []
        for node in frontier:
            adj = adjacency.get(node)
            if adj is None:
                continue
            graph.totals[node] = adj.total
            graph.shown[node] = len(adj.links)
            for relation, neighbour in adj.links:
                if neighbour not in graph.depth_of:
                    if len(graph.depth_of) >= max_nodes:
                        graph.capped = True
                        continue
                    graph.depth_of[neighbour] = layer + 1
                    reached.append(neighbour)
                graph.relations[relation.key] = relation
        frontier = sorted(reached)
    boundary = sorted(k for k in graph.depth_of if k not in graph.shown)
    if boundary:
        for key, adj in store.adjacent(boundary, as_of=as_of, limit_per_node=0).items():
            graph.totals[key] = adj.total
    return graph


def is_person_key(key: str) -> bool:
    return not is_uscc_shaped(key)
