"""The graph port: the graph primitives every backend answers, and nothing more.

Backends hold no policy. Propagation, verdicts and lifecycle rules live in ``graph_service.domain`` and
``graph_service.services`` and call only the methods below. Methods take and return domain models.

A public method checks its arguments (:mod:`graph_service.store.contract`) and puts answers in the one
order every backend gives, then calls the backend's ``_method``, which only reads or writes: so the checks
and the orderings are written once. Ordering contract: ``adjacent`` lists a subject's relations sorted by
``(neighbour_id, relation.key)``; lists of entries are sorted by ``entry_id``.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from graph_service.domain.model import (
    Direction,
    EntryFilter,
    ListEntry,
    Neighbourhood,
    Organization,
    Path,
    Person,
    Relation,
    RelationKind,
    StatusChange,
    Subject,
    UpsertCounts,
)
from graph_service.domain.penalty import PenaltyRecord
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.pseudonyms import Pseudonymiser, looks_like_id_number
from graph_service.store import contract
from graph_service.store.check_view import CheckView, Namesake, is_masked_namesake, namesakes_of


@dataclass(frozen=True)
class Adjacency:
    """A subject's relations valid at the asked date: at most ``limit`` of them, and how many there were."""

    links: list[tuple[Relation, str]] = field(default_factory=list)  # (relation, neighbour id)
    total: int = 0

    @property
    def truncated(self) -> bool:
        return self.total > len(self.links)


def relation_order(relation: Relation, neighbour_id: str) -> tuple[str, str]:
    """The one ordering of a subject's relations that every backend uses."""
    return (neighbour_id, relation.key)


def relation_matches(
    relation: Relation, as_of: dt.date | None, kinds: frozenset[RelationKind] | None
) -> bool:
    """Whether a relation belongs in an answer for ``as_of`` (None = whole history) and ``kinds``."""
    if kinds is not None and relation.kind not in kinds:
        return False
    return as_of is None or relation.valid_on(as_of)


class GraphPort(abc.ABC):
    """A credit graph: subjects, dated relations, list entries with status history, penalties, links.

    Every write is one atomic, idempotent batch: re-running the same batch changes nothing and reports it
    as ``unchanged``. Every write that changes something advances :meth:`data_version`.
    """

    # ---- writes -------------------------------------------------------------------------------------

    def upsert_organizations(self, rows: Sequence[Organization]) -> UpsertCounts:
        """Create or update organisations by USCC (and their region links); every row an Organization."""
        contract.require_rows_of_type(rows, Organization)
        return self._upsert_organizations(rows)

    @abc.abstractmethod
    def _upsert_organizations(self, rows: Sequence[Organization]) -> UpsertCounts:
        """Write checked organisation rows."""

    # The federation's keys, given by the composition root (:meth:`use_pseudonymiser`); None: no index.
    _pseudonymiser: Pseudonymiser | None = None

    def upsert_persons(self, rows: Sequence[Person]) -> UpsertCounts:
        """Create or update persons by key (ID number or unresolved-person key); every row a Person.

        With a pseudonymiser (:meth:`use_pseudonymiser`), the pseudonyms of the rows' ID numbers are then
        indexed, and a pseudonymous person a peer named (``~p~<kid>~<hex>``) whose pseudonym is one of
        them is merged into the row's person (:meth:`resolve_person`): its entries now name the person.
        """
        contract.require_rows_of_type(rows, Person)
        counts = self._upsert_persons(rows)
        self._pseudonyms_of_persons(rows)
        return counts

    def use_pseudonymiser(self, pseudonymiser: Pseudonymiser | None) -> None:
        """Index persons under the federation's keys from now on (the composition root calls this).

        A backend whose index is not durable (:attr:`pseudonyms_durable` False) rebuilds it now from
        every stored person; a durable one is rebuilt by :meth:`reindex_pseudonyms` after a key rotation
        or a bulk import that bypassed :meth:`upsert_persons`.
        """
        self._pseudonymiser = pseudonymiser
        if pseudonymiser is not None and not self.pseudonyms_durable:
            self.reindex_pseudonyms()

    @property
    def pseudonymiser(self) -> Pseudonymiser | None:
        """The federation's pseudonyms this store indexes persons under (None: none configured)."""
        return self._pseudonymiser

    @property
    def pseudonyms_durable(self) -> bool:
        """Whether the pseudonym index survives a restart (else :meth:`use_pseudonymiser` rebuilds it)."""
        return True

    def persons_by_pseudonym(self, pseudonyms: Iterable[str]) -> dict[str, str]:
        """The stored persons whose ID number has one of ``pseudonyms``: pseudonym -> person key.

        Only pseudonyms indexed under the configured keys are found; unknown ones are absent, and so are
        entries of a person since removed. ``InvalidInput`` for a value that is not a pseudonymous key.
        """
        wanted = sorted(set(pseudonyms))
        contract.require_pseudonyms(wanted)
        return self._persons_by_pseudonym(wanted) if wanted else {}

    def key_held_for(self, subject_id: str) -> str:
        """The key this store holds ``subject_id``'s records under, for a check of it.

        ``subject_id`` itself, except for an ID number not stored here whose pseudonym names a stored
        pseudonymous person (a peer's decisions about a person never loaded here): that person's key.
        Needs the federation's keys (:meth:`use_pseudonymiser`); one read, for ID numbers only.
        """
        if self._pseudonymiser is None or not looks_like_id_number(subject_id):
            return subject_id
        pseudonyms = self._pseudonymiser.pseudonyms(subject_id)
        stored = self.get_subjects([subject_id, *pseudonyms])
        if subject_id in stored:
            return subject_id
        return next((key for key in pseudonyms if key in stored), subject_id)

    def reindex_pseudonyms(self, batch: int = 2000) -> int:
        """Index the pseudonyms of every stored person with an ID number; the number of persons seen."""
        if self._pseudonymiser is None:
            return 0
        seen = 0
        after: str | None = None
        while True:
            page = self.subjects_after(after, batch)
            if not page:
                return seen
            persons = [s for s in page if isinstance(s, Person) and s.id_number is not None]
            self._index_pseudonyms(self._pairs(persons))
            seen += len(persons)
            after = page[-1].key

    def _pseudonyms_of_persons(self, rows: Sequence[Person]) -> None:
        if self._pseudonymiser is None:
            return
        persons = [row for row in rows if row.id_number is not None]
        pairs = self._pairs(persons)
        if not pairs:
            return
        self._index_pseudonyms(pairs)
        for key, subject in sorted(self.get_subjects(pairs).items()):
            if isinstance(subject, Person):
                target = next(p for p in persons if p.key == pairs[key])
                self.resolve_person(key, target)

    def _pairs(self, persons: Sequence[Person]) -> dict[str, str]:
        assert self._pseudonymiser is not None
        return {
            pseudonym: person.key
            for person in persons
            for pseudonym in self._pseudonymiser.pseudonyms(person.key)
        }

    @abc.abstractmethod
    def _index_pseudonyms(self, pairs: Mapping[str, str]) -> None:
        """Store ``pseudonym -> person key`` pairs (idempotent; a pseudonym names one ID number)."""

    @abc.abstractmethod
    def _persons_by_pseudonym(self, pseudonyms: Sequence[str]) -> dict[str, str]:
        """:meth:`persons_by_pseudonym`, the values checked, limited to persons still stored."""

    @abc.abstractmethod
    def _upsert_persons(self, rows: Sequence[Person]) -> UpsertCounts:
        """Write checked person rows."""

    @abc.abstractmethod
    def upsert_relations(self, rows: Sequence[Relation]) -> UpsertCounts:
        """Create or update relations by identity ``(kind, source, target, start_on)``.

        Raises ``NotFound`` naming every endpoint that is not stored; nothing of the batch is written then.
        """

    @abc.abstractmethod
    def upsert_entries(self, rows: Sequence[ListEntry]) -> UpsertCounts:
        """Create or update list entries by ``entry_id``, linked to the subject and responsible persons.

        Raises ``NotFound`` naming every subject or person that is not stored; nothing is written then.
        A newly created entry gets a first status-history record (``from_status=None``).
        """

    def resolve_person(self, unresolved_key: str, person: Person) -> None:
        """Merge an unresolved person (``~uscc~name``) into a person with a full ID number.

        Relations and entry links move to the resolved person; the unresolved node is removed. A no-op if
        the unresolved key is not stored. ``InvalidInput`` unless the keys are of those two kinds.
        """
        contract.require_resolvable(unresolved_key, person)
        self._resolve_person(unresolved_key, person)

    @abc.abstractmethod
    def _resolve_person(self, unresolved_key: str, person: Person) -> None:
        """Merge, the keys checked."""

    @abc.abstractmethod
    def upsert_penalties(self, rows: Sequence[PenaltyRecord]) -> UpsertCounts:
        """Create or update administrative penalty records by identity ``(decision_number, subject_id)``.

        Idempotent like every write: the same record again is ``unchanged``; the same identity with other
        field values is ``updated`` (all fields replaced). Raises ``NotFound`` naming every ``subject_id``
        that is not stored; nothing of the batch is written then. :meth:`resolve_person` moves penalties
        of an unresolved person to the resolved one, and :meth:`clear` deletes them.
        """

    def replace_links(self, links_by_entry: Mapping[str, Sequence[PersonalLink]]) -> UpsertCounts:
        """Make each entry's personal links exactly the given ones (persons' credit-record links).

        Idempotent: links equal to the stored ones are ``unchanged``; stored links of these entries that are
        not given are removed (counted as ``updated``). Raises ``NotFound`` naming every entry or person that
        is not stored, ``InvalidInput`` for a link given under another entry; nothing is written then.
        Entries not named keep their links.
        """
        contract.require_links_of_entries(links_by_entry)
        return self._replace_links(links_by_entry)

    @abc.abstractmethod
    def _replace_links(self, links_by_entry: Mapping[str, Sequence[PersonalLink]]) -> UpsertCounts:
        """Write checked links."""

    # ---- reads --------------------------------------------------------------------------------------

    @abc.abstractmethod
    def get_subjects(self, ids: Iterable[str]) -> dict[str, Subject]:
        """The stored subjects among ``ids``, by key; unknown ids are absent."""

    @abc.abstractmethod
    def get_entries(self, entry_ids: Iterable[str]) -> dict[str, ListEntry]:
        """The stored entries among ``entry_ids``, by id."""

    def relations_of(
        self,
        subject_id: str,
        *,
        as_of: dt.date | None,
        kinds: frozenset[RelationKind] | None = None,
        direction: Direction = "both",
    ) -> list[Relation]:
        """Relations touching a subject: valid on ``as_of``, or the whole history when ``as_of`` is None.

        ``direction`` "out" = the subject is the source, "in" = the target. Sorted by relation key.
        """
        found = self._relations_of(subject_id, direction)
        return sorted((r for r in found if relation_matches(r, as_of, kinds)), key=lambda r: r.key)

    @abc.abstractmethod
    def _relations_of(self, subject_id: str, direction: Direction) -> list[Relation]:
        """Every stored relation touching ``subject_id`` in ``direction``, whole history, any order."""

    def adjacent(
        self, subject_ids: Sequence[str], *, as_of: dt.date | None, limit_per_node: int
    ) -> dict[str, Adjacency]:
        """For each subject, its relations valid on ``as_of`` (None = history) in both directions.

        At most ``limit_per_node`` links each, in :func:`relation_order`; ``total`` counts all of them.
        Unknown subjects are absent; the answer is keyed in the order the ids were asked.
        """
        contract.require_not_negative("limit_per_node", limit_per_node)
        return self._adjacent(subject_ids, as_of, limit_per_node)

    @abc.abstractmethod
    def _adjacent(
        self, subject_ids: Sequence[str], as_of: dt.date | None, limit_per_node: int
    ) -> dict[str, Adjacency]:
        """:meth:`adjacent`, the limit checked."""

    def entries_for(self, subject_ids: Iterable[str], flt: EntryFilter | None = None) -> list[ListEntry]:
        """Entries whose subject is among ``subject_ids``, filtered, sorted by ``entry_id``."""
        found = self._entries_for(subject_ids)
        passing = (e for e in found if flt is None or contract.entry_matches(e, flt))
        return sorted(passing, key=lambda e: e.entry_id)

    @abc.abstractmethod
    def _entries_for(self, subject_ids: Iterable[str]) -> list[ListEntry]:
        """Every entry whose subject is among ``subject_ids``, each once, any order."""

    def entries_naming_responsible(
        self, person_ids: Iterable[str], flt: EntryFilter | None = None
    ) -> list[ListEntry]:
        """Entries that name any of ``person_ids`` as directly responsible, filtered, sorted by ``entry_id``.

        Only tests read it today: it is how the contract suite sees the responsibility index that
        :meth:`resolve_person` moves.
        """
        found = self._entries_naming_responsible(person_ids)
        passing = (e for e in found if flt is None or contract.entry_matches(e, flt))
        return sorted(passing, key=lambda e: e.entry_id)

    @abc.abstractmethod
    def _entries_naming_responsible(self, person_ids: Iterable[str]) -> list[ListEntry]:
        """Every entry naming any of ``person_ids`` as directly responsible, each once, any order."""

    @abc.abstractmethod
    def entry_history(self, entry_id: str) -> list[StatusChange]:
        """The status changes of an entry, oldest first."""

    def penalties_for(self, subject_ids: Iterable[str]) -> list[PenaltyRecord]:
        """Penalty records whose subject is among ``subject_ids``, in one order on every backend.

        Sorted by the tuple ``(decision_number, subject_id)``. Unknown ids contribute nothing; the whole
        history is returned (callers filter by date). Only tests and loaders' tests read it today: it is
        the one read of what :meth:`upsert_penalties` stored.
        """
        return sorted(self._penalties_for(subject_ids), key=lambda p: (p.decision_number, p.subject_id))

    @abc.abstractmethod
    def _penalties_for(self, subject_ids: Iterable[str]) -> list[PenaltyRecord]:
        """The penalty records of these subjects, each once, any order."""

    def links_for(self, person_ids: Iterable[str]) -> list[PersonalLink]:
        """Personal links of these persons, sorted by ``(person_id, entry_id)``."""
        return sorted(self._links_for(person_ids), key=lambda link: (link.person_id, link.entry_id))

    @abc.abstractmethod
    def _links_for(self, person_ids: Iterable[str]) -> list[PersonalLink]:
        """The personal links of these persons, each once, any order."""

    def links_of_entries(self, entry_ids: Iterable[str]) -> list[PersonalLink]:
        """Personal links of these entries, sorted by ``(entry_id, person_id)``.

        Only tests read it today: it is how the contract suite sees that a step replaced an entry's links.
        """
        return sorted(self._links_of_entries(entry_ids), key=lambda link: (link.entry_id, link.person_id))

    @abc.abstractmethod
    def _links_of_entries(self, entry_ids: Iterable[str]) -> list[PersonalLink]:
        """The personal links of these entries, each once, any order."""

    def search_subjects(self, text: str, limit: int = 20) -> list[Subject]:
        """Subjects whose key starts with, or whose name contains, ``text`` (case-insensitive), by key."""
        contract.require_not_negative("limit", limit)
        return self._search_subjects(text, limit)

    @abc.abstractmethod
    def _search_subjects(self, text: str, limit: int) -> list[Subject]:
        """:meth:`search_subjects`, the limit checked."""

    def subjects_after(self, after: str | None, limit: int) -> list[Subject]:
        """The first ``limit`` subjects whose key sorts after ``after`` (None = from the first), by key.

        Pages through the whole registry (a whole-store export): passing the last key of one page as
        ``after`` of the next visits every subject once, in key order, on every backend.
        """
        contract.require_not_negative("limit", limit)
        return self._subjects_after(after, limit)

    @abc.abstractmethod
    def _subjects_after(self, after: str | None, limit: int) -> list[Subject]:
        """:meth:`subjects_after`, the limit checked."""

    @abc.abstractmethod
    def counts(self) -> dict[str, int]:
        """Counts of every node and relation kind, and of entries by ``list:status``."""

    @abc.abstractmethod
    def data_version(self) -> int:
        """A number that grows with every committed change: identifies the state an answer saw."""

    # ---- lifecycle ----------------------------------------------------------------------------------

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise ``BackendUnavailable`` if the store cannot answer now."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections, locks and files."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Delete everything (tests and demo resets only)."""

    # ---- written once over the primitives ---------------------------------------------------------

    def reading(self) -> AbstractContextManager[None]:
        """A block of reads that belong together (one check): one transaction where the backend has them.

        Results are the same with or without it; it saves round trips and gives one snapshot.
        """
        return nullcontext()

    def role_holders(
        self, org_id: str, *, as_of: dt.date | None, roles: frozenset[RelationKind] | None = None
    ) -> list[Relation]:
        """Relations into an organisation (its people and shareholders) valid on ``as_of``."""
        return self.relations_of(org_id, as_of=as_of, kinds=roles, direction="in")

    def role_holders_of(
        self, asks: Iterable[tuple[str, dt.date | None]], *, roles: frozenset[RelationKind] | None = None
    ) -> dict[tuple[str, dt.date | None], list[Relation]]:
        """:meth:`role_holders` of many ``(org_id, as_of)`` pairs at once, keyed by the pair.

        Each pair's answer is exactly what ``role_holders(org_id, as_of=as_of, roles=roles)`` gives (an
        unknown organisation: ``[]``), read in one backend call for all of them: a load asks for the role
        holders of every entry it admits or relinks, and one read each was a round trip each on Neo4j.
        """
        wanted = list(dict.fromkeys(asks))
        found = self._relations_into(list(dict.fromkeys(org_id for org_id, _ in wanted)))
        return {
            (org_id, day): sorted(
                (r for r in found.get(org_id, ()) if relation_matches(r, day, roles)), key=lambda r: r.key
            )
            for org_id, day in wanted
        }

    @abc.abstractmethod
    def _relations_into(self, subject_ids: Sequence[str]) -> dict[str, list[Relation]]:
        """Every stored relation whose target is one of ``subject_ids`` (distinct), whole history, by
        target, any order; subjects with none (or unknown) may be absent."""

    def neighbourhood(
        self, subject_id: str, *, depth: int, as_of: dt.date | None, limit_per_node: int
    ) -> Neighbourhood:
        """Breadth-first walk over relations valid on ``as_of``: one shortest path to each subject reached.

        Deterministic: the frontier is expanded in sorted order and links come in :func:`relation_order`,
        so both backends return the same paths. A subject with more than ``limit_per_node`` links is
        expanded only through the first ``limit_per_node`` and the result is flagged ``truncated``.
        """
        return breadth_first(
            subject_id,
            depth,
            lambda frontier: self.adjacent(frontier, as_of=as_of, limit_per_node=limit_per_node),
        )

    def check_view(
        self, subject_id: str, *, depth: int, as_of: dt.date | None, limit_per_node: int
    ) -> CheckView:
        """Everything one related-party check reads, in one snapshot: the walk and what it reached.

        The :meth:`neighbourhood` of ``subject_id`` (same arguments, same paths), the data version, and
        for every subject reached its node, the entries on it (any status) and its personal links, plus
        every entry those links name, and the penalties of ``subject_id``. The answer equals what those
        reads give one after another inside :meth:`reading` (the default implementation does exactly
        that); a backend may answer it in fewer round trips (Neo4j: one statement) and must agree in the
        contract suite.
        """
        contract.require_not_negative("depth", depth)
        contract.require_not_negative("limit_per_node", limit_per_node)
        return self._check_view(subject_id, depth, as_of, limit_per_node)

    def check_views(
        self, subject_ids: Sequence[str], *, depth: int, as_of: dt.date | None, limit_per_node: int
    ) -> list[CheckView]:
        """The :meth:`check_view` of each of ``subject_ids`` (same arguments for all), in their order.

        Each view equals the single-subject one (the contract suite checks it); a batch of checks reads
        its views this way so a backend can answer many subjects in one round trip (Neo4j: one
        ``UNWIND`` statement per chunk). The default reads them one by one. Each view is a snapshot of
        its own; views of one call need not share one.
        """
        contract.require_not_negative("depth", depth)
        contract.require_not_negative("limit_per_node", limit_per_node)
        return self._check_views(list(subject_ids), depth, as_of, limit_per_node) if subject_ids else []

    def _check_views(
        self, subject_ids: list[str], depth: int, as_of: dt.date | None, limit_per_node: int
    ) -> list[CheckView]:
        """:meth:`check_views`, the arguments checked: one :meth:`_check_view` per subject."""
        return [self._check_view(key, depth, as_of, limit_per_node) for key in subject_ids]

    def _check_view(
        self, subject_id: str, depth: int, as_of: dt.date | None, limit_per_node: int
    ) -> CheckView:
        """:meth:`check_view`, the arguments checked: written once over the primitives."""
        with self.reading():
            walk = self.neighbourhood(subject_id, depth=depth, as_of=as_of, limit_per_node=limit_per_node)
            data_version = self.data_version()
            reached = sorted(walk.paths)
            subjects = self.get_subjects(reached)
            on = self.entries_for(reached)
            links = self.links_for(reached)
            known = {entry.entry_id for entry in on}
            linked = self.get_entries(sorted({link.entry_id for link in links} - known))
            penalties = self.penalties_for([subject_id])
            namesakes = self._masked_namesakes(subjects.get(subject_id))
        return CheckView.of(walk, data_version, subjects, on, links, linked.values(), penalties, namesakes)

    def _masked_namesakes(self, origin: Subject | None) -> tuple[Namesake, ...]:
        """:attr:`CheckView.namesakes` of ``origin`` with the ordinary reads: every subject a search by
        its name finds (the search's limit doubled until it is not reached), kept by the rule."""
        if origin is None or not isinstance(origin, Person) or origin.id_number is None:
            return ()
        limit = 64
        found = self.search_subjects(origin.name, limit=limit)
        while len(found) >= limit:
            limit *= 2
            found = self.search_subjects(origin.name, limit=limit)
        candidates = [s for s in found if is_masked_namesake(origin, s)]
        return namesakes_of(origin, candidates, self.entries_for([s.key for s in candidates]))


Frontier = Callable[[list[str]], Mapping[str, Adjacency]]


def breadth_first(subject_id: str, depth: int, adjacent: Frontier) -> Neighbourhood:
    """The walk of :meth:`GraphPort.neighbourhood`, over ``adjacent(frontier)`` (keyed by subject id).

    Written once: the port's walk asks the backend level by level; a backend that fetched every level in
    one statement answers ``adjacent`` from what it fetched, and gets the same paths.
    """
    paths: dict[str, Path] = {subject_id: Path(start_id=subject_id)}
    frontier = [subject_id]
    truncated_at: list[str] = []
    for _ in range(depth):
        if not frontier:
            break
        adjacency = adjacent(frontier)
        next_frontier: list[str] = []
        for node in frontier:
            adj = adjacency.get(node)
            if adj is None:
                continue
            if adj.truncated:
                truncated_at.append(node)
            for relation, neighbour in adj.links:
                if neighbour not in paths:
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
