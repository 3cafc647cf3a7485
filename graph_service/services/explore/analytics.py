"""Analytics on the subgraph around a subject: related-party groups, nominee indicators, circular holdings.

The subgraph is extracted over the whole relation history (bounded like the picture), so that:

* **groups** are the connected components over the relations *current* on ``as_of``: subjects tied
  together only through ended relations fall into separate groups, which is what an investigator wants
  to see (关联方分组);
* **nominee indicators** count, for each person in the subgraph, the legal-representative roles it holds on
  ``as_of`` across the whole graph (not only the subgraph); ``Settings.nominee_threshold`` or more flags a
  possible nominee (挂名法定代表人);
* **circular shareholdings** are the cycles of the directed shareholding relations current on ``as_of``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import networkx as nx
from pydantic import BaseModel, Field

from graph_service.domain.model import RelationKind, Subject
from graph_service.errors import InvalidInput
from graph_service.services.checks.models import SubjectRef
from graph_service.services.checks.related_party import subject_ref
from graph_service.services.explore.labels import percent
from graph_service.services.explore.picture import MAX_DEPTH, live_lists
from graph_service.services.explore.subgraph import extract, is_person_key, require_subjects
from graph_service.store.base import GraphStore

MAX_MEMBERS = 200
MAX_CYCLES = 100
MAX_CYCLE_LENGTH = 10
MAX_NOMINEE_COMPANIES = 50
_LEGAL_REP = frozenset({RelationKind.LEGAL_REPRESENTATIVE})


class Member(SubjectRef):
    lists: list[str] = Field(default_factory=list, description="Lists with a live entry on the date")


class Group(BaseModel):
    """Subjects connected by relations current on the date."""

    size: int
    contains_origin: bool
    by_kind: dict[str, int]
    listed: list[Member] = Field(description="Members with a live list entry")
    members: list[Member] = Field(description=f"At most {MAX_MEMBERS}, the origin and listed ones first")


class NomineeIndicator(BaseModel):
    person: SubjectRef
    legal_rep_count: int = Field(description="Companies it is legal representative of on the date")
    company_ids: list[str] = Field(description=f"At most {MAX_NOMINEE_COMPANIES}")


class CircularHolding(BaseModel):
    subject_ids: list[str] = Field(description="Each holds the next; the last holds the first")
    names: list[str | None]
    ratios: list[float | None] = Field(description="Ratio of each holding, in the same order")
    label: str = Field(examples=["A →60%→ B →30%→ A"])


class AnalyticsView(BaseModel):
    origin_id: str
    as_of: dt.date
    depth: int
    node_count: int
    edge_count: int
    truncated: bool
    groups: list[Group] = Field(description="Largest first; the origin's group is flagged")
    nominee_threshold: int
    nominees: list[NomineeIndicator]
    circular_shareholdings: list[CircularHolding]
    cycles_capped: bool = Field(description=f"More than {MAX_CYCLES} cycles: the first ones are listed")
    data_version: int


def analytics(
    store: GraphStore,
    subject_id: str,
    *,
    depth: int,
    as_of: dt.date,
    limit: int,
    nominee_threshold: int,
) -> AnalyticsView:
    """Groups, nominee indicators and circular shareholdings in the subgraph around ``subject_id``."""
    if not 1 <= depth <= MAX_DEPTH:
        raise InvalidInput.for_field("depth", depth, f"must be between 1 and {MAX_DEPTH}")
    require_subjects(store, [("subject_id", subject_id)])
    data_version = store.data_version()
    sub = extract(store, [subject_id], depth=depth, as_of=None, limit=limit)
    ids = sorted(sub.depth_of)
    subjects = store.get_subjects(ids)
    lists = {k: sorted({kind.value for kind, _ in v}) for k, v in live_lists(store, ids, as_of).items()}
    current = [r for r in sub.sorted_relations() if r.valid_on(as_of)]

    graph = nx.Graph()
    graph.add_nodes_from(ids)
    graph.add_edges_from((r.source_id, r.target_id) for r in current)
    groups = [_group(sorted(c), subject_id, subjects, lists) for c in nx.connected_components(graph)]
    groups.sort(key=lambda g: (-g.size, not g.contains_origin, g.members[0].id if g.members else ""))

    holdings = nx.DiGraph()
    ratio: dict[tuple[str, str], float | None] = {}
    for r in current:
        if r.kind is RelationKind.SHAREHOLDER:
            holdings.add_edge(r.source_id, r.target_id)
            ratio[(r.source_id, r.target_id)] = r.ratio
    cycles: list[CircularHolding] = []
    capped = False
    for cycle in nx.simple_cycles(holdings, length_bound=MAX_CYCLE_LENGTH):
        if len(cycles) >= MAX_CYCLES:
            capped = True
            break
        cycles.append(_circular(cycle, ratio, subjects))
    cycles.sort(key=lambda c: (len(c.subject_ids), c.subject_ids))

    return AnalyticsView(
        origin_id=subject_id,
        as_of=as_of,
        depth=depth,
        node_count=len(ids),
        edge_count=len(sub.relations),
        truncated=sub.truncated,
        groups=groups,
        nominee_threshold=nominee_threshold,
        nominees=_nominees(store, ids, subjects, as_of=as_of, threshold=nominee_threshold),
        circular_shareholdings=cycles,
        cycles_capped=capped,
        data_version=data_version,
    )


def _member(key: str, subjects: dict[str, Subject], lists: dict[str, list[str]]) -> Member:
    return Member(**subject_ref(key, subjects.get(key)).model_dump(), lists=lists.get(key, []))


def _group(
    members: list[str], origin: str, subjects: dict[str, Subject], lists: dict[str, list[str]]
) -> Group:
    kinds = Counter(s.subject_kind.value for k in members if (s := subjects.get(k)) is not None)
    listed = [k for k in members if lists.get(k)]
    first = [k for k in [origin, *listed] if k in members]
    ordered = list(dict.fromkeys([*first, *members]))[:MAX_MEMBERS]
    return Group(
        size=len(members),
        contains_origin=origin in members,
        by_kind=dict(sorted(kinds.items())),
        listed=[_member(k, subjects, lists) for k in listed],
        members=[_member(k, subjects, lists) for k in ordered],
    )


def _nominees(
    store: GraphStore, ids: list[str], subjects: dict[str, Subject], *, as_of: dt.date, threshold: int
) -> list[NomineeIndicator]:
    persons = [k for k in ids if is_person_key(k)]
    # A person's relation count bounds its legal-representative count: only the busy ones are read in full.
    busy = [
        k
        for k, adj in store.adjacent(persons, as_of=as_of, limit_per_node=0).items()
        if adj.total >= threshold
    ]
    found: list[NomineeIndicator] = []
    for key in sorted(busy):
        held = store.relations_of(key, as_of=as_of, kinds=_LEGAL_REP, direction="out")
        companies = sorted({r.target_id for r in held})
        if len(companies) >= threshold:
            found.append(
                NomineeIndicator(
                    person=subject_ref(key, subjects.get(key)),
                    legal_rep_count=len(companies),
                    company_ids=companies[:MAX_NOMINEE_COMPANIES],
                )
            )
    found.sort(key=lambda n: (-n.legal_rep_count, n.person.id))
    return found


def _circular(
    cycle: list[str], ratio: dict[tuple[str, str], float | None], subjects: dict[str, Subject]
) -> CircularHolding:
    start = cycle.index(min(cycle))
    ordered = cycle[start:] + cycle[:start]
    pairs = list(zip(ordered, ordered[1:] + ordered[:1], strict=True))
    ratios = [ratio.get(pair) for pair in pairs]
    names = [s.name if (s := subjects.get(k)) is not None else None for k in ordered]
    parts = [names[0] or ordered[0]]
    for (_, held), r in zip(pairs, ratios, strict=True):
        held_name = subjects[held].name if held in subjects else held
        parts.append(f"→{percent(r) if r is not None else '?'}→ {held_name}")
    return CircularHolding(subject_ids=ordered, names=names, ratios=ratios, label=" ".join(parts))
