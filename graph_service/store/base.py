"""The store port: the graph primitives every backend answers, and nothing more.

Backends hold no policy. Propagation, verdicts and lifecycle rules live in ``graph_service.domain`` and
``graph_service.services`` and call only the methods below. Methods take and return domain models.

Ordering contract (so both backends give identical answers): ``adjacent`` lists a subject's relations
sorted by ``(neighbour_id, relation.key)``; lists of entries are sorted by ``entry_id``.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
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
from graph_service.domain.webhooks import Delivery, DeliveryStatus
from graph_service.domain.workflow import Dispute, RepairApplication, Task, TaskFilter
from graph_service.errors import Conflict
from graph_service.store.feed_port import FeedPort


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


def require_next_task_versions(stored: Mapping[str, Task], tasks: Sequence[Task]) -> None:
    """Optimistic check shared by the backends: a new task is version 1, a stored one its version + 1."""
    for task in tasks:
        current = stored.get(task.task_id)
        expected = 1 if current is None else current.version + 1
        if task.version != expected:
            raise Conflict(
                f"task {task.task_id!r} is at version {0 if current is None else current.version}; the new "
                f"version must be {expected}, got {task.version}: it changed meanwhile, reload it"
            )


def entry_matches(entry: ListEntry, flt: EntryFilter) -> bool:
    """Whether an entry passes a filter; shared by the backends so they agree."""
    if flt.lists is not None and entry.list not in flt.lists:
        return False
    if flt.statuses is not None and entry.status not in flt.statuses:
        return False
    return flt.in_validity_on is None or entry.in_validity(flt.in_validity_on)


class GraphStore(FeedPort, abc.ABC):
    """A credit graph: subjects, dated relations, list entries with status history.

    Every write is one atomic, idempotent batch: re-running the same batch changes nothing and reports it
    as ``unchanged``. Every write that changes something advances :meth:`data_version`. Every write that
    changes a list entry also appends to the change feed in the same transaction (:class:`FeedPort`).
    """

    # ---- writes -------------------------------------------------------------------------------------

    @abc.abstractmethod
    def upsert_organizations(self, rows: Sequence[Organization]) -> UpsertCounts:
        """Create or update organisations by USCC (and their region links)."""

    @abc.abstractmethod
    def upsert_persons(self, rows: Sequence[Person]) -> UpsertCounts:
        """Create or update persons by key (ID number or unresolved-person key)."""

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

    @abc.abstractmethod
    def transition_entry(self, entry: ListEntry, change: StatusChange) -> None:
        """Store a new version of an entry and its status-history record in one transaction.

        ``entry.version`` must be the stored version + 1, else ``Conflict`` (someone changed it meanwhile).
        """

    @abc.abstractmethod
    def resolve_person(self, unresolved_key: str, person: Person) -> None:
        """Merge an unresolved person (``~uscc~name``) into a person with a full ID number.

        Relations and entry links move to the resolved person; the unresolved node is removed. A no-op if
        the unresolved key is not stored.
        """

    @abc.abstractmethod
    def upsert_penalties(self, rows: Sequence[PenaltyRecord]) -> UpsertCounts:
        """Create or update administrative penalty records by identity ``(decision_number, subject_id)``.

        Idempotent like every write: the same record again is ``unchanged``; the same identity with other
        field values is ``updated`` (all fields replaced). Raises ``NotFound`` naming every ``subject_id``
        that is not stored; nothing of the batch is written then. :meth:`resolve_person` moves penalties
        of an unresolved person to the resolved one, and :meth:`clear` deletes them.
        """

    @abc.abstractmethod
    def replace_links(self, links_by_entry: Mapping[str, Sequence[PersonalLink]]) -> UpsertCounts:
        """Make each entry's personal links exactly the given ones (persons' credit-record links).

        Idempotent: links equal to the stored ones are ``unchanged``; stored links of these entries that are
        not given are removed (counted as ``updated``). Raises ``NotFound`` naming every entry or person that
        is not stored; nothing is written then. Entries not named keep their links.
        """

    # ---- workflow writes (issue 6): each call is ONE transaction -------------------------------------

    @abc.abstractmethod
    def create_entry(
        self,
        entry: ListEntry,
        links: Sequence[PersonalLink],
        tasks: Sequence[Task],
        *,
        deliveries: Sequence[Delivery] = (),
    ) -> None:
        """Create a new entry (with its first status change), its personal links and its tasks, atomically.

        ``Conflict`` if the entry id is stored; ``NotFound`` naming every missing subject or person. Tasks
        must be version 1 of tasks of this entry. ``deliveries`` (the webhook outbox of the step) must be
        new, version 1. Nothing is written when anything is refused.
        """

    @abc.abstractmethod
    def apply_entry_change(
        self,
        entry: ListEntry | None,
        change: StatusChange | None,
        *,
        tasks: Sequence[Task] = (),
        links: Sequence[PersonalLink] | None = None,
        dispute: Dispute | None = None,
        repair: RepairApplication | None = None,
        deliveries: Sequence[Delivery] = (),
    ) -> None:
        """One workflow step in one transaction: entry version + history, tasks, links, dispute, repair.

        ``entry`` (the next version, with ``change``) is checked like :meth:`transition_entry`; ``None``
        leaves the entry as it is. Every task must be version 1 (new) or its stored version + 1, else
        ``Conflict``. ``links`` (if given) replace the entry's personal links. ``dispute`` and ``repair``
        are stored (created or replaced by id); they must belong to an entry that is stored.
        ``deliveries`` (the webhook outbox of the step) must be new, version 1, else ``Conflict``.
        """

    @abc.abstractmethod
    def save_task_feedback(self, task: Task) -> None:
        """Store a task's new version (its feedback); ``Conflict`` unless it is the stored version + 1."""

    @abc.abstractmethod
    def save_delivery(self, delivery: Delivery) -> None:
        """Store a webhook delivery's next version (an attempt, a lease, a requeue).

        ``NotFound`` if it is not stored; ``Conflict`` unless it is the stored version + 1 (another sender
        took it meanwhile).
        """

    @abc.abstractmethod
    def get_deliveries(
        self, *, statuses: frozenset[DeliveryStatus] | None = None, delivery_id: str | None = None
    ) -> list[Delivery]:
        """Webhook deliveries (the outbox) in ``statuses`` and/or with one id (None = any), by id."""

    @abc.abstractmethod
    def list_entries(
        self, flt: EntryFilter | None = None, *, after: str | None = None, limit: int = 100
    ) -> list[ListEntry]:
        """One page of entries passing ``flt``: ids above ``after``, by ``entry_id``, ``limit`` at most.

        Keyset paging: pass the last ``entry_id`` of a page as ``after`` to get the next one. ``limit``
        must be 0 or more (``InvalidInput``).
        """

    # ---- workflow reads --------------------------------------------------------------------------------

    @abc.abstractmethod
    def get_tasks(self, flt: TaskFilter) -> list[Task]:
        """Tasks passing ``flt``, sorted by ``task_id``."""

    @abc.abstractmethod
    def get_task(self, task_id: str) -> Task | None:
        """One task by id, or None."""

    @abc.abstractmethod
    def get_disputes(self, *, entry_id: str | None = None, dispute_id: str | None = None) -> list[Dispute]:
        """Disputes of one entry and/or with one id (None = any), sorted by ``dispute_id``."""

    @abc.abstractmethod
    def get_repairs(
        self, *, entry_id: str | None = None, repair_id: str | None = None
    ) -> list[RepairApplication]:
        """Repair applications of one entry and/or with one id (None = any), sorted by ``repair_id``."""

    # ---- reads --------------------------------------------------------------------------------------

    @abc.abstractmethod
    def get_subjects(self, ids: Iterable[str]) -> dict[str, Subject]:
        """The stored subjects among ``ids``, by key; unknown ids are absent."""

    @abc.abstractmethod
    def get_entries(self, entry_ids: Iterable[str]) -> dict[str, ListEntry]:
        """The stored entries among ``entry_ids``, by id."""

    @abc.abstractmethod
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

    @abc.abstractmethod
    def adjacent(
        self, subject_ids: Sequence[str], *, as_of: dt.date | None, limit_per_node: int
    ) -> dict[str, Adjacency]:
        """For each subject, its relations valid on ``as_of`` (None = history) in both directions.

        At most ``limit_per_node`` links each, in :func:`relation_order`; ``total`` counts all of them.
        """

    @abc.abstractmethod
    def entries_for(self, subject_ids: Iterable[str], flt: EntryFilter | None = None) -> list[ListEntry]:
        """Entries whose subject is among ``subject_ids``, filtered, sorted by ``entry_id``."""

    @abc.abstractmethod
    def entries_naming_responsible(
        self, person_ids: Iterable[str], flt: EntryFilter | None = None
    ) -> list[ListEntry]:
        """Entries that name any of ``person_ids`` as directly responsible, sorted by ``entry_id``."""

    @abc.abstractmethod
    def entry_history(self, entry_id: str) -> list[StatusChange]:
        """The status changes of an entry, oldest first."""

    @abc.abstractmethod
    def counts(self) -> dict[str, int]:
        """Counts of every node and relation kind, and of entries by ``list:status``."""

    @abc.abstractmethod
    def data_version(self) -> int:
        """A number that grows with every committed change: identifies the state an answer saw."""

    @abc.abstractmethod
    def search_subjects(self, text: str, limit: int = 20) -> list[Subject]:
        """Subjects whose key starts with, or whose name contains, ``text`` (case-insensitive)."""

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise ``BackendUnavailable`` if the store cannot answer now."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections, locks and files."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Delete everything (tests and demo resets only)."""

    @abc.abstractmethod
    def penalties_for(self, subject_ids: Iterable[str]) -> list[PenaltyRecord]:
        """Penalty records whose subject is among ``subject_ids``, in one order on every backend.

        Sorted by the tuple ``(decision_number, subject_id)``. Unknown ids contribute nothing; the whole
        history is returned (callers filter by date).
        """

    @abc.abstractmethod
    def links_for(self, person_ids: Iterable[str]) -> list[PersonalLink]:
        """Personal links of these persons, sorted by ``(person_id, entry_id)``."""

    @abc.abstractmethod
    def links_of_entries(self, entry_ids: Iterable[str]) -> list[PersonalLink]:
        """Personal links of these entries, sorted by ``(entry_id, person_id)``."""

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

    def neighbourhood(
        self, subject_id: str, *, depth: int, as_of: dt.date | None, limit_per_node: int
    ) -> Neighbourhood:
        """Breadth-first walk over relations valid on ``as_of``: one shortest path to each subject reached.

        Deterministic: the frontier is expanded in sorted order and links come in :func:`relation_order`,
        so both backends return the same paths. A subject with more than ``limit_per_node`` links is
        expanded only through the first ``limit_per_node`` and the result is flagged ``truncated``.
        """
        paths: dict[str, Path] = {subject_id: Path(start_id=subject_id)}
        frontier = [subject_id]
        truncated_at: list[str] = []
        for _ in range(depth):
            if not frontier:
                break
            adjacency = self.adjacent(frontier, as_of=as_of, limit_per_node=limit_per_node)
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
