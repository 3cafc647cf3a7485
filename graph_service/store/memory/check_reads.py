"""The embedded store's :meth:`GraphPort.check_view`: the walk and its reads straight off the graph's dicts.

The port's default asks ``adjacent`` level by level, which builds a :class:`Relation` for every link of
every subject expanded, then a dozen reads, each taking the lock. Here the walk filters, orders and cuts
the packed edges themselves and keeps relations packed: a subject's links are grouped by neighbour (a
relation key is built only to order two links to the same neighbour), and a :class:`Path` is built once
per subject reached, at the end, from its parent's. Subjects are unpacked only when a check asks for
them (:class:`PackedSubjects`). The rest are index lookups, all under the caller's one lock acquisition.
Same walk as :func:`~graph_service.store.graph_port.breadth_first` over :meth:`MemoryStore.adjacent`
(links valid on ``as_of``, in :func:`relation_order`, the first ``limit_per_node`` of each subject), same
view: the contract suite compares the two.
"""

from __future__ import annotations

import datetime as dt
import weakref
from bisect import bisect_left
from collections.abc import Collection, Container, Iterator, KeysView, Mapping
from typing import Any

from graph_service.domain.model import ListEntry, Neighbourhood, Path, Person, Step, Subject
from graph_service.domain.propagation import PersonalLink
from graph_service.store.check_view import CheckView, Namesake, is_masked_namesake, namesakes_of
from graph_service.store.memory.compact import (
    PackedRelation,
    PackedSubject,
    built,
    packed_key,
    packed_valid_on,
    unpack_relation,
    unpack_subject,
)
from graph_service.store.memory.graph import GraphState

# (source id, target id, packed relation): one link of a subject, kept packed through the walk
_Link = tuple[str, str, PackedRelation]


def check_view(
    state: GraphState, subject_id: str, depth: int, as_of: dt.date | None, limit_per_node: int
) -> CheckView:
    """:meth:`GraphPort.check_view` of the state (the caller holds the store's lock).

    The view is assembled here rather than by :meth:`CheckView.of` (same answers, same orders: each
    subject's entries and links by entry id, every entry by id, the penalties by decision number): the
    state's indexes are per subject already, and most subjects reached have no entry and no link.
    """
    walk = _walk(state, subject_id, depth, as_of, limit_per_node)
    reached = sorted(walk.paths)
    entries = state.entries
    by_subject, by_person = state.entries_by_subject, state.links_by_person
    entries_on: dict[str, list[ListEntry]] = {}
    links_of: dict[str, list[PersonalLink]] = {}
    found: dict[str, ListEntry] = {}
    named: set[str] = set()
    for key in reached:
        entry_ids = by_subject.get(key)
        if entry_ids:
            on = entries_on[key] = [entries[entry_id] for entry_id in sorted(entry_ids)]
            for entry in on:
                found[entry.entry_id] = entry
        else:
            entries_on[key] = []
        linked_ids = by_person.get(key)
        if linked_ids:
            if len(linked_ids) < HUB_LINKS:
                links_of[key] = _links_built(state, key, linked_ids)
            else:
                links_of[key] = list(_held(state).hub_links_of(state, key, linked_ids))
            named.update(linked_ids)
        else:
            links_of[key] = []
    for entry_id in named - found.keys():
        if entry_id in entries:
            found[entry_id] = entries[entry_id]
    penalties = [state.penalties[key] for key in state.penalty_keys_of([subject_id])]
    subjects = PackedSubjects(state.packed, walk.paths, reached)
    return CheckView(
        neighbourhood=walk,
        data_version=state.version,
        subjects=subjects,
        entries_on=entries_on,
        links_of=links_of,
        entries=dict(sorted(found.items())) if len(found) > 1 else found,
        penalties=tuple(sorted(penalties, key=lambda p: (p.decision_number, p.subject_id))),
        namesakes=_masked_namesakes(state, subjects.get(subject_id)),
        snapshot=True,  # read under the store's lock: one state, the one state.version names
    )


class PackedSubjects(Mapping[str, Subject]):
    """The reached subjects that are stored, by key, each unpacked the first time it is asked for.

    A check reads a few of them (the subject checked, those on a hit's path); unpacking all it reached
    was an eighth of a view. Equal to the dict of the same subjects (``Mapping.__eq__``).
    """

    __slots__ = ("_reached", "_sorted", "_packed", "_built", "_keys")

    def __init__(
        self, packed: Mapping[str, PackedSubject], reached: Container[str], ordered: list[str]
    ) -> None:
        self._packed = packed
        self._reached = reached  # the subjects the walk reached, any stored or not
        self._sorted = ordered  # the same, sorted: the order the mapping iterates in
        self._built: dict[str, Subject] = {}
        self._keys: list[str] | None = None  # the stored ones among them, when first iterated

    def _lookup(self, key: str) -> Subject | None:
        """The subject if reached and stored (unpacked once), else None."""
        subject = self._built.get(key)
        if subject is None and key in self._reached and key in self._packed:
            subject = self._built[key] = unpack_subject(key, self._packed[key])
        return subject

    def __getitem__(self, key: str) -> Subject:
        subject = self._lookup(key)
        if subject is None:
            raise KeyError(key)
        return subject

    def get(self, key: str, default: Any = None) -> Any:
        subject = self._lookup(key)
        return default if subject is None else subject

    def __contains__(self, key: object) -> bool:
        return key in self._built or (key in self._reached and key in self._packed)

    def __iter__(self) -> Iterator[str]:
        return iter(self._stored())

    def __len__(self) -> int:
        return len(self._stored())

    def _stored(self) -> list[str]:
        if self._keys is None:
            self._keys = [key for key in self._sorted if key in self._packed]
        return self._keys

    def __repr__(self) -> str:
        return f"PackedSubjects({dict(self)!r})"


def _masked_namesakes(state: GraphState, origin: Subject | None) -> tuple[Namesake, ...]:
    """:attr:`CheckView.namesakes`: the masked debtors the search index holds under the person's name
    (every subject a search by the name finds that could be one), kept by the rule."""
    if not isinstance(origin, Person) or origin.id_number is None:
        return ()
    found = (state.subject(key) for key in state.masked_debtors_named(origin.name))
    candidates = [s for s in found if s is not None and is_masked_namesake(origin, s)]
    entries = state.entries
    on = [entries[entry_id] for entry_id in state.entry_ids_of_subjects(s.key for s in candidates)]
    return namesakes_of(origin, candidates, on)


class Expansions:
    """Each subject's expansion on a date (:func:`_expansion`), kept while the data version is the same.

    A walk expands the same subjects again and again (an organisation's legal representative, a group's
    holding company); what an expansion is depends only on the graph and the date, so it is computed once
    per data version. Bounded: past :attr:`LIMIT` expansions the cache starts again (a check's walk is a
    few dozen), so its memory stays a few megabytes however large the graph.

    A hub (a subject with more links than a walk keeps: a person on thousands of boards) is kept apart,
    cut to the links a walk with that limit reads, and outlives the others' restarts: its expansion scans
    every one of its links (milliseconds at 1M organisations, where hubs have tens of thousands), and
    every check that reaches it needs it, so a batch that outgrew :attr:`LIMIT` paid for each hub again
    after each restart. At most :attr:`HUBS_LIMIT` of them, each at most a walk's limit of links.

    The personal links of a person named by at least :data:`HUB_LINKS` entries (the legal representative
    of hundreds of listed companies) are held here too, built: every check that reaches the person reads
    all of them, and building them from their packed rows was a quarter of such a check.
    """

    LIMIT = 50_000
    HUBS_LIMIT = 1_024
    __slots__ = ("version", "by_subject", "hubs", "hub_links")

    def __init__(self) -> None:
        self.version = -1
        self.by_subject: dict[tuple[str, dt.date | None], _Expansion] = {}
        self.hubs: dict[tuple[str, dt.date | None, int], _Expansion] = {}
        self.hub_links: dict[str, tuple[PersonalLink, ...]] = {}

    def of(self, state: GraphState) -> Expansions:
        """These expansions, emptied first if the state's data version has moved on."""
        if self.version != state.version:
            self.version = state.version
            self.by_subject = {}
            self.hubs = {}
            self.hub_links = {}
        return self

    def hub_links_of(
        self, state: GraphState, person: str, linked_ids: Collection[str]
    ) -> tuple[PersonalLink, ...]:
        """The personal links of ``person`` (named by the entries ``linked_ids``), by entry id.

        ``self`` is the state's at its current version (:func:`_held`).
        """
        held = self.hub_links.get(person)
        if held is None:
            if len(self.hub_links) >= self.HUBS_LIMIT:
                self.hub_links = {}
            held = self.hub_links[person] = tuple(_links_built(state, person, linked_ids))
        return held

    def get(self, node: str, as_of: dt.date | None, limit: int) -> _Expansion | None:
        """The expansion held for ``node`` on ``as_of`` (a hub's: cut at ``limit``), or None."""
        expansion = self.by_subject.get((node, as_of))
        return self.hubs.get((node, as_of, limit)) if expansion is None else expansion

    def keep(self, node: str, as_of: dt.date | None, limit: int, expansion: _Expansion) -> _Expansion:
        """Hold ``expansion`` of ``node`` on ``as_of``, as a walk keeping ``limit`` links reads it."""
        neighbours, firsts, starts = expansion
        if starts[-1] > limit:
            # Cut to the neighbours whose first link is among the first `limit`; the link count stays
            # last in `starts`, so the walk still sees a truncation and cuts at the same neighbour.
            kept = bisect_left(starts, limit, hi=len(neighbours))
            expansion = (neighbours[:kept], firsts[:kept], (*starts[:kept], starts[-1]))
            if len(self.hubs) >= self.HUBS_LIMIT:
                self.hubs = {}
            self.hubs[(node, as_of, limit)] = expansion
        else:
            if len(self.by_subject) >= self.LIMIT:
                self.by_subject = {}
            self.by_subject[(node, as_of)] = expansion
        return expansion


#: A person named by this many entries or more is a hub: their personal links are held built.
HUB_LINKS = 64

# One per state (a restart or a clear makes a new one); the caller holds the store's lock.
_EXPANSIONS: weakref.WeakKeyDictionary[GraphState, Expansions] = weakref.WeakKeyDictionary()


def _links_built(state: GraphState, person: str, linked_ids: Collection[str]) -> list[PersonalLink]:
    """The personal links of ``person`` (named by the entries ``linked_ids``), built, by entry id."""
    links = state.links
    return [links[(entry_id, person)] for entry_id in sorted(linked_ids)]


def _held(state: GraphState) -> Expansions:
    """The expansions held for ``state`` at its current data version."""
    held = _EXPANSIONS.get(state)
    if held is None:
        held = _EXPANSIONS[state] = Expansions()
    return held.of(state)


def _walk(
    state: GraphState, subject_id: str, depth: int, as_of: dt.date | None, limit_per_node: int
) -> Neighbourhood:
    # networkx's own adjacency dicts (documented as G._succ / G._pred): its views cost more than the walk.
    succ, pred = state.graph._succ, state.graph._pred
    expansions = _held(state)
    # subject reached -> (the subject it was reached from, the link): the walk's paths, still packed
    came_by: dict[str, tuple[str, _Link] | None] = {subject_id: None}
    frontier = [subject_id]
    truncated_at: list[str] = []
    for _ in range(depth):
        if not frontier:
            break
        next_frontier: list[str] = []
        for node in frontier:
            expansion = expansions.get(node, as_of, limit_per_node)
            if expansion is None:
                out = succ.get(node)
                if out is None:
                    continue  # an unknown subject: no links (as adjacent leaves it out)
                expansion = expansions.keep(
                    node, as_of, limit_per_node, _expansion(node, out, pred[node], as_of)
                )
            neighbours, firsts, starts = expansion
            kept = len(neighbours)
            if starts[-1] > limit_per_node:  # more links than the limit: the first ones only
                truncated_at.append(node)
                kept = bisect_left(starts, limit_per_node, hi=kept)
            for i in range(kept):
                neighbour = neighbours[i]
                if neighbour not in came_by:
                    came_by[neighbour] = (node, firsts[i])
                    next_frontier.append(neighbour)
        frontier = sorted(next_frontier)
    return _neighbourhood(subject_id, depth, came_by, truncated_at)


# (neighbours sorted, each one's first link in relation_order, the position of that link among all the
# subject's links in relation_order, then the number of links): what a walk needs of a subject's links
_Expansion = tuple[tuple[str, ...], tuple[_Link, ...], tuple[int, ...]]


def _expansion(
    node: str, out: Mapping[str, Any], into: Mapping[str, Any], as_of: dt.date | None
) -> _Expansion:
    """``node``'s links valid on ``as_of`` in both directions (a self-loop once), by neighbour.

    A walk takes the first ``limit_per_node`` links in :func:`relation_order` (by neighbour, then relation
    key) and reaches each neighbour through its first link: so each neighbour's first link and where it
    stands are all it needs. The relation key is built only to order two links to one neighbour (most
    neighbours have one).
    """
    first: dict[str, _Link] = {}
    ties: dict[str, list[_Link]] = {}
    for other, edges in out.items():
        for packed in edges.values():
            if as_of is None or packed_valid_on(packed, as_of):
                _add(first, ties, other, (node, other, packed))
    for other, edges in into.items():
        if other == node:
            continue  # the self-loop, met already among the outgoing links
        for packed in edges.values():
            if as_of is None or packed_valid_on(packed, as_of):
                _add(first, ties, other, (other, node, packed))
    for other, tied in ties.items():
        tied.sort(key=_key)
        first[other] = tied[0]
    neighbours = tuple(sorted(first))
    starts: list[int] = []
    position = 0
    for neighbour in neighbours:
        starts.append(position)
        group = ties.get(neighbour)
        position += 1 if group is None else len(group)
    starts.append(position)
    return neighbours, tuple(first[n] for n in neighbours), tuple(starts)


def _add(first: dict[str, _Link], ties: dict[str, list[_Link]], other: str, link: _Link) -> None:
    if other not in first:
        first[other] = link
    elif other in ties:
        ties[other].append(link)
    else:
        ties[other] = [first[other], link]


def _key(link: _Link) -> str:
    return packed_key(*link)


def _neighbourhood(
    origin: str, depth: int, came_by: dict[str, tuple[str, _Link] | None], truncated_at: list[str]
) -> Neighbourhood:
    """The walk as the port answers it, its paths built when asked for (:class:`PackedPaths`)."""
    paths = PackedPaths(origin, came_by)
    values: dict[str, Any] = {
        "origin_id": origin,
        "depth": depth,
        "paths": paths,
        "truncated": bool(truncated_at),
        "truncated_at": tuple(sorted(truncated_at)),
    }
    if origin != origin.strip():  # a key the model strips: validated, as the port builds it
        validated = {origin: Path(start_id=origin)}
        for key, step in came_by.items():
            if step is not None:
                parent, (source, target, packed) = step
                validated[key] = validated[parent].extend(unpack_relation(source, target, packed), key)
        return Neighbourhood(**{**values, "paths": validated})
    # Unvalidated, so the paths stay a PackedPaths (a Mapping standing in for the model's dict: a view's
    # walk is read, never serialised or changed).
    return built(Neighbourhood, values)


class PackedPaths(Mapping[str, Path]):
    """:attr:`Neighbourhood.paths` of the walk: each subject reached and how (the subject it was reached
    from, the packed link), a :class:`Path` built the first time one is asked for from its parent's.

    A check builds the paths of its hits only (most walks have none); building one per subject reached
    was a quarter of a view. Equal to the dict of the same paths (``Mapping.__eq__``), iterated in the
    order the subjects were reached, as the port's dict.
    """

    __slots__ = ("_origin", "_came_by", "_built")

    def __init__(self, origin: str, came_by: dict[str, tuple[str, _Link] | None]) -> None:
        self._origin = origin
        self._came_by = came_by  # parents before children: in the order subjects were reached
        self._built: dict[str, Path] = {}

    def __getitem__(self, key: str) -> Path:
        path = self._built.get(key)
        if path is not None:
            return path
        step = self._came_by[key]  # KeyError for a subject not reached
        if step is None:
            path = built(Path, {"start_id": key, "steps": ()})
        else:
            parent, (source, target, packed) = step
            relation = unpack_relation(source, target, packed)
            steps = (*self[parent].steps, built(Step, {"relation": relation, "to_id": key}))
            path = built(Path, {"start_id": self._origin, "steps": steps})
        self._built[key] = path
        return path

    def hops(self, key: str) -> int:
        """``self[key].hops``, without building the path."""
        hops = 0
        step = self._came_by[key]
        while step is not None:
            hops += 1
            step = self._came_by[step[0]]
        return hops

    def __contains__(self, key: object) -> bool:
        return key in self._came_by

    def __iter__(self) -> Iterator[str]:
        return iter(self._came_by)

    def __len__(self) -> int:
        return len(self._came_by)

    def keys(self) -> KeysView[str]:
        return self._came_by.keys()

    def __repr__(self) -> str:
        return f"PackedPaths({dict(self)!r})"
