"""The Neo4j backend of :class:`GraphStore` (production). The graph model is described in docs/model.md.

Each method is one managed transaction running statements from ``cypher/``; values travel only as
parameters; results come back as domain models. Errors: ``BackendUnavailable`` when Neo4j cannot answer,
``Conflict`` on a concurrent identity clash or a stale entry version, ``NotFound`` / ``InvalidInput`` as
the contract states, with nothing written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import TypeVar

from graph_service.audit.base import AuditLog
from graph_service.domain.model import (
    Direction,
    EntryFilter,
    ListEntry,
    Organization,
    Person,
    Relation,
    StatusChange,
    Subject,
    UpsertCounts,
)
from graph_service.domain.penalty import PenaltyRecord
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.webhooks import Delivery, DeliveryStatus
from graph_service.domain.workflow import Dispute, RepairApplication, Task, TaskFilter
from graph_service.store.base import GraphStore
from graph_service.store.check_view import CheckView
from graph_service.store.graph_port import Adjacency
from graph_service.store.neo4j import (
    check_view,
    lifecycle,
    links,
    read_ahead,
    reads,
    records,
    workflow,
    writes,
)
from graph_service.store.neo4j.connection import Connection
from graph_service.store.neo4j.feed import Neo4jFeed
from graph_service.store.neo4j.mapping import fold
from graph_service.store.records_port import RecordQuery, RecordRow
from graph_service.store.workflow_port import EntryStep

V = TypeVar("V")

#: Nodes or relationships deleted per transaction by :meth:`Neo4jStore.clear`.
CLEAR_BATCH = 5_000


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Neo4jStore(Neo4jFeed, GraphStore):
    """A :class:`GraphStore` on a Neo4j 5.26+ server (``bolt://`` or ``neo4j://`` routing URIs).

    Construction connects and applies ``cypher/schema.cypher`` (idempotent), so a reachable store is
    ready to use; ``BackendUnavailable`` if the server cannot be reached or refuses the credentials.
    It then has the server plan the check statements, waiting at most ``timeout_s`` for them
    (:meth:`Connection.warm_up`: a cold plan took seconds, enough to time out the first checks).
    ``clock`` stamps the first status change of new entries, as in the embedded store.
    """

    def __init__(
        self,
        uri: str,
        user: str,
        password: str,
        database: str = "neo4j",
        timeout_s: float = 10.0,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._db = Connection(uri, user, password, database, timeout_s)
        self._ahead: ContextVar[read_ahead.ReadAhead | None] = ContextVar(f"ahead-{id(self)}", default=None)
        self._clock = clock
        self._decoders = check_view.Decoders()  # what the check views decode again and again
        try:
            self._db.verify()
            self._db.apply_schema()
        except BaseException:
            self._db.close()
            raise
        self._db.warm_up(check_view.warm_up_runs(), timeout_s)

    def audit_log(self, *, read_only: bool = False) -> AuditLog:
        return self._db.audit_log(read_only=read_only)

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ---- writes -------------------------------------------------------------------------------------

    def _upsert_organizations(self, rows: Sequence[Organization]) -> UpsertCounts:
        return self._db.write(writes.upsert_organizations, rows) if rows else UpsertCounts()

    def _upsert_persons(self, rows: Sequence[Person]) -> UpsertCounts:
        return self._db.write(writes.upsert_persons, rows) if rows else UpsertCounts()

    def upsert_relations(self, rows: Sequence[Relation]) -> UpsertCounts:
        return self._db.write(writes.upsert_relations, rows) if rows else UpsertCounts()

    def upsert_entries(self, rows: Sequence[ListEntry]) -> UpsertCounts:
        return self._db.write(writes.upsert_entries, rows, self._clock()) if rows else UpsertCounts()

    def upsert_penalties(self, rows: Sequence[PenaltyRecord]) -> UpsertCounts:
        return self._db.write(writes.upsert_penalties, rows) if rows else UpsertCounts()

    def _replace_links(self, links_by_entry: Mapping[str, Sequence[PersonalLink]]) -> UpsertCounts:
        return self._db.write(links.replace_links, links_by_entry) if links_by_entry else UpsertCounts()

    def _resolve_person(self, unresolved_key: str, person: Person) -> None:
        self._db.write(lifecycle.resolve_person, unresolved_key, person)

    def write_step(self, step: EntryStep) -> None:
        self._db.write(workflow.write_step, step, self._clock())

    def write_steps(self, steps: Sequence[EntryStep]) -> None:
        if steps:
            self._db.write(workflow.write_steps, list(steps), self._clock())

    def save_delivery(self, delivery: Delivery) -> None:
        self._db.write(workflow.save_delivery, delivery)

    def get_deliveries(
        self, *, statuses: frozenset[DeliveryStatus] | None = None, delivery_id: str | None = None
    ) -> list[Delivery]:
        return self._db.read(workflow.deliveries, statuses, delivery_id)

    def _list_entries(self, flt: EntryFilter | None, after: str | None, limit: int) -> list[ListEntry]:
        return self._db.read(workflow.entry_page, flt, after, limit)

    def save_task_feedback(self, task: Task) -> None:
        self._db.write(workflow.save_task_feedback, task)

    def _save_record(self, row: RecordRow) -> None:
        self._db.write(records.save_record, row)

    def _find_records(self, query: RecordQuery) -> list[str]:
        return self._db.read(records.find_records, query)

    def clear(self) -> None:
        """Delete the credit graph in bounded transactions, relationships first; schema and version stay.

        ``CALL { ... } IN TRANSACTIONS`` cannot run inside a managed transaction, hence the loop. Other node
        kinds in the same database (the audit chain) are not touched.
        """
        for statement in ("clear_workflow_records", "clear_relationships", "clear_nodes"):
            while self._db.write(lifecycle.delete_batch, statement, CLEAR_BATCH) > 0:
                pass

    # ---- reads --------------------------------------------------------------------------------------

    def get_subjects(self, ids: Iterable[str]) -> dict[str, Subject]:
        keys = _distinct(ids)
        ahead = self._read_ahead()
        known = ahead.subjects_of(keys) if ahead else None
        if known is not None:
            return known
        return _in_order(keys, self._db.read(reads.subjects, keys)) if keys else {}

    def get_entries(self, entry_ids: Iterable[str]) -> dict[str, ListEntry]:
        ids = _distinct(entry_ids)
        ahead = self._read_ahead()
        known = ahead.entries_by_id(ids) if ahead else None
        if known is not None:
            return known
        return _in_order(ids, self._db.read(reads.entries_by_id, ids)) if ids else {}

    def _relations_of(self, subject_id: str, direction: Direction) -> list[Relation]:
        return self._db.read(reads.relations, subject_id, direction)

    def _relations_into(self, subject_ids: Sequence[str]) -> dict[str, list[Relation]]:
        return self._db.read(links.relations_into, subject_ids) if subject_ids else {}

    def _adjacent(
        self, subject_ids: Sequence[str], as_of: dt.date | None, limit_per_node: int
    ) -> dict[str, Adjacency]:
        keys = _distinct(subject_ids)
        ahead = self._read_ahead()
        if ahead is not None and keys:
            # Inside a pinned read: each level of a walk also reads ahead what the check asks next.
            found = self._db.read(read_ahead.frontier_ahead, keys, as_of, limit_per_node, ahead)
            return _in_order(keys, found)
        return _in_order(keys, self._db.read(reads.adjacent, keys, as_of, limit_per_node)) if keys else {}

    def _check_view(
        self, subject_id: str, depth: int, as_of: dt.date | None, limit_per_node: int
    ) -> CheckView:
        """One statement, one round trip (:mod:`.check_view`); deeper than it unrolls, the port's way."""
        if depth > check_view.MAX_DEPTH:
            return super()._check_view(subject_id, depth, as_of, limit_per_node)
        params = check_view.parameters(subject_id, as_of, limit_per_node)
        record = self._db.read_once(check_view.statement(depth), **params)
        return check_view.view_from(record, subject_id, depth, limit_per_node, self._decoders)

    def _check_views(
        self, subject_ids: list[str], depth: int, as_of: dt.date | None, limit_per_node: int
    ) -> list[CheckView]:
        """One ``UNWIND`` statement per chunk of subjects (:mod:`.check_view`), one read transaction each,
        :data:`~.check_view.READS_IN_FLIGHT` of them at a time; the views in the order of ``subject_ids``."""
        if depth > check_view.MAX_DEPTH:
            return super()._check_views(subject_ids, depth, as_of, limit_per_node)
        chunks = list(check_view.chunks(subject_ids))

        def read(chunk: list[str]) -> list[CheckView]:
            return self._db.read(check_view.views_of, chunk, depth, as_of, limit_per_node, self._decoders)

        if len(chunks) == 1 or self._db.pinned:  # a pinned transaction is this thread's alone
            return [view for chunk in chunks for view in read(chunk)]
        # While one chunk's records are decoded here, the server already answers the next one's statement.
        with ThreadPoolExecutor(check_view.READS_IN_FLIGHT, thread_name_prefix="check-views") as pool:
            return [view for views in pool.map(read, chunks) for view in views]

    def _entries_for(self, subject_ids: Iterable[str]) -> list[ListEntry]:
        keys = _distinct(subject_ids)
        ahead = self._read_ahead()
        known = ahead.entries_on_subjects(keys) if ahead else None
        if known is not None:
            return known
        return self._db.read(reads.entries, "get_subject_entries", keys) if keys else []

    def _entries_naming_responsible(self, person_ids: Iterable[str]) -> list[ListEntry]:
        keys = _distinct(person_ids)
        return self._db.read(reads.entries, "get_responsible_entries", keys) if keys else []

    def entry_history(self, entry_id: str) -> list[StatusChange]:
        return self._db.read(reads.history, entry_id)

    def _penalties_for(self, subject_ids: Iterable[str]) -> list[PenaltyRecord]:
        keys = _distinct(subject_ids)
        return self._db.read(reads.penalties, keys) if keys else []

    def _links_for(self, person_ids: Iterable[str]) -> list[PersonalLink]:
        keys = _distinct(person_ids)
        ahead = self._read_ahead()
        known = ahead.links_of_subjects(keys) if ahead else None
        if known is not None:
            return known
        return self._db.read(links.person_links, keys) if keys else []

    def _links_of_entries(self, entry_ids: Iterable[str]) -> list[PersonalLink]:
        ids = _distinct(entry_ids)
        return self._db.read(links.entry_links, ids) if ids else []

    def get_tasks(self, flt: TaskFilter) -> list[Task]:
        return self._db.read(workflow.tasks, flt)

    def get_task(self, task_id: str) -> Task | None:
        found = self._db.read(workflow.records, "task", Task, None, task_id)
        return found[0] if found else None

    def get_disputes(self, *, entry_id: str | None = None, dispute_id: str | None = None) -> list[Dispute]:
        return self._db.read(workflow.records, "dispute", Dispute, entry_id, dispute_id)

    def get_repairs(
        self, *, entry_id: str | None = None, repair_id: str | None = None
    ) -> list[RepairApplication]:
        return self._db.read(workflow.records, "repair", RepairApplication, entry_id, repair_id)

    def counts(self) -> dict[str, int]:
        return self._db.read(reads.counts)

    def reading(self) -> AbstractContextManager[None]:
        """Several reads in one Neo4j read transaction (see :meth:`Connection.pinned_read`), reading ahead
        (:mod:`.read_ahead`): a walk's levels also fetch what a check asks next about the subjects reached.
        """
        return self._pinned_reading()

    @contextmanager
    def _pinned_reading(self) -> Iterator[None]:
        if self._read_ahead() is not None:  # nested: the outer block's transaction and read-ahead
            yield
            return
        with self._db.pinned_read():
            token = self._ahead.set(read_ahead.ReadAhead())
            try:
                yield
            finally:
                self._ahead.reset(token)

    def _read_ahead(self) -> read_ahead.ReadAhead | None:
        return self._ahead.get()

    def data_version(self) -> int:
        ahead = self._read_ahead()
        if ahead is not None and ahead.data_version is not None:
            return ahead.data_version
        return self._db.read(reads.data_version)

    def _search_subjects(self, text: str, limit: int) -> list[Subject]:
        found = self._db.read(reads.search, fold(text), limit)
        return sorted(found, key=lambda subject: subject.key)

    def _subjects_after(self, after: str | None, limit: int) -> list[Subject]:
        return self._db.read(reads.subjects_after, after, limit) if limit else []

    # ---- lifecycle ----------------------------------------------------------------------------------

    def ping(self) -> None:
        """Fail fast if the server is unreachable, then check the database itself answers."""
        self._db.verify()
        self._db.read(reads.ping)

    def close(self) -> None:
        self._db.close()


def _distinct(values: Iterable[str]) -> list[str]:
    """``values`` once each, in first-seen order."""
    return list(dict.fromkeys(values))


def _in_order(keys: list[str], found: dict[str, V]) -> dict[str, V]:
    """``found`` in the order the caller asked for its keys (as the embedded store answers)."""
    return {key: found[key] for key in keys if key in found}
