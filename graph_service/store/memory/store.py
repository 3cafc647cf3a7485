"""The embedded backend: :class:`GraphStore` over an in-memory networkx graph, journaled to a data directory.

Every write is planned and validated in full (:mod:`.plan`), appended to the journal and fsynced
(:mod:`.journal`), and only then applied to the in-memory state (:mod:`.graph`), all under one re-entrant
lock; reads take the same lock, so an answer never sees half a batch. Reads walk graph adjacency and the
entry indexes, so their cost follows the size of the answer, not of the graph.
"""

from __future__ import annotations

import datetime as dt
import heapq
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from graph_service.audit.base import AuditLog
from graph_service.audit.file import AUDIT_FILE_NAME, FileAuditLog, MemoryAuditLog
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
from graph_service.errors import BackendUnavailable, Conflict
from graph_service.store.base import GraphStore
from graph_service.store.check_view import CheckView
from graph_service.store.graph_port import Adjacency, relation_matches, relation_order
from graph_service.store.memory import check_reads, plan, workflow_plan, workflow_reads
from graph_service.store.memory import snapshot as binary_snapshot
from graph_service.store.memory.dump import MemoryDump
from graph_service.store.memory.feed import MemoryFeed, with_feed_events
from graph_service.store.memory.feed_state import FeedFloor
from graph_service.store.memory.graph import GraphState
from graph_service.store.memory.journal import JOURNAL_NAME, SNAPSHOT_NAME, JournalWriter, write_snapshot
from graph_service.store.memory.lock import DirLock
from graph_service.store.memory.ops import Op
from graph_service.store.memory.records import find_records, plan_record
from graph_service.store.memory.recovery import load_state, reload_after_failed_apply
from graph_service.store.records_port import RecordQuery, RecordRow
from graph_service.store.workflow_port import EntryStep

log = logging.getLogger(__name__)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


@dataclass(frozen=True)
class CompactResult:
    """What :meth:`MemoryStore.compact` did: journal bytes folded into a snapshot of ``snapshot_bytes``,
    and the binary snapshot of the state written beside it (``binary_bytes``)."""

    data_version: int
    journal_bytes: int
    snapshot_bytes: int
    binary_bytes: int


class MemoryStore(MemoryFeed, MemoryDump, GraphStore):
    """The embedded store. ``data_dir`` None keeps everything in memory only (tests).

    With a ``data_dir``, a writer takes the directory's lock (a second writer gets ``Conflict``) and
    persists every committed batch before applying it; ``read_only=True`` loads the directory without the
    lock and refuses writes. ``clock`` stamps the first status change of new entries and merge records.
    """

    def __init__(
        self, data_dir: Path | None, *, read_only: bool = False, clock: Callable[[], dt.datetime] = utc_now
    ) -> None:
        self._lock = threading.RLock()
        self._dir = data_dir
        self._read_only = read_only
        self._clock = clock
        self._closed = False
        self._dir_lock: DirLock | None = None
        self._journal: JournalWriter | None = None
        self._snapshot_offset: int | None = None  # the journal position the binary snapshot covers
        self._half_applied = False  # a batch failed part-way in memory: never snapshot that state
        self._state = GraphState()
        if data_dir is None:
            return
        try:
            self._open(data_dir)
        except OSError as exc:
            raise BackendUnavailable(f"cannot open the embedded store's data dir {data_dir}: {exc}") from exc

    @property
    def reads_block(self) -> bool:
        """False: reads are dict and graph lookups in this process (a read waits at most for a writer
        holding the lock through one journal append), so they may run on an event loop."""
        return False

    def audit_log(self, *, read_only: bool = False) -> AuditLog:
        return self.audit_log_in(self._dir, read_only=read_only)

    @staticmethod
    def audit_log_in(data_dir: Path | None, *, read_only: bool = False) -> AuditLog:
        """The audit log of the embedded store at ``data_dir``, without loading the store itself."""
        if data_dir is None:
            return MemoryAuditLog()
        return FileAuditLog(data_dir / AUDIT_FILE_NAME, read_only=read_only)

    def _open(self, data_dir: Path) -> None:
        if self._read_only:
            self._state = load_state(data_dir, attempts=3).state
            return
        data_dir.mkdir(parents=True, exist_ok=True)
        self._dir_lock = DirLock(data_dir)
        try:
            self._state, replay, self._snapshot_offset = load_state(data_dir, attempts=1)
            self._journal = JournalWriter(data_dir / JOURNAL_NAME)
            if replay.torn:  # cut the torn record off, or the next append would follow garbage
                self._journal.truncate(replay.good_end)
        except BaseException:
            self._dir_lock.release()
            raise

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ---- writes -------------------------------------------------------------------------------------

    def _upsert_organizations(self, rows: Sequence[Organization]) -> UpsertCounts:
        with self._lock:
            return self._commit(*plan.plan_subjects(self._writable(), rows))

    def _upsert_persons(self, rows: Sequence[Person]) -> UpsertCounts:
        with self._lock:
            return self._commit(*plan.plan_subjects(self._writable(), rows))

    def upsert_relations(self, rows: Sequence[Relation]) -> UpsertCounts:
        with self._lock:
            return self._commit(*plan.plan_relations(self._writable(), rows))

    def upsert_entries(self, rows: Sequence[ListEntry]) -> UpsertCounts:
        with self._lock:
            return self._commit(*plan.plan_entries(self._writable(), rows, self._clock()))

    def upsert_penalties(self, rows: Sequence[PenaltyRecord]) -> UpsertCounts:
        with self._lock:
            return self._commit(*plan.plan_penalties(self._writable(), rows))

    def _replace_links(self, links_by_entry: Mapping[str, Sequence[PersonalLink]]) -> UpsertCounts:
        with self._lock:
            return self._commit(*plan.plan_links(self._writable(), links_by_entry))

    def _resolve_person(self, unresolved_key: str, person: Person) -> None:
        with self._lock:
            self._commit(
                plan.plan_resolve(self._writable(), unresolved_key, person, self._clock()), UpsertCounts()
            )

    def write_step(self, step: EntryStep) -> None:
        with self._lock:
            self._commit(workflow_plan.plan_step(self._writable(), step, self._clock()), UpsertCounts())

    def write_steps(self, steps: Sequence[EntryStep]) -> None:
        with self._lock:
            state = self._writable()
            self._commit(workflow_plan.plan_steps(state, steps, self._clock(), self._clock), UpsertCounts())

    def save_delivery(self, delivery: Delivery) -> None:
        with self._lock:
            self._commit(workflow_plan.plan_save_delivery(self._writable(), delivery), UpsertCounts())

    def get_deliveries(
        self, *, statuses: frozenset[DeliveryStatus] | None = None, delivery_id: str | None = None
    ) -> list[Delivery]:
        with self._lock:
            return workflow_reads.deliveries(self._readable(), statuses, delivery_id)

    def _list_entries(self, flt: EntryFilter | None, after: str | None, limit: int) -> list[ListEntry]:
        with self._lock:
            return workflow_reads.list_entries(self._readable(), flt, after, limit)

    def save_task_feedback(self, task: Task) -> None:
        with self._lock:
            self._commit(workflow_plan.plan_task_feedback(self._writable(), task), UpsertCounts())

    def _save_record(self, row: RecordRow) -> None:
        with self._lock:
            self._commit(list(plan_record(self._writable().records, row)), UpsertCounts())

    def _find_records(self, query: RecordQuery) -> list[str]:
        with self._lock:
            return find_records(self._readable().records, query)

    def _commit(self, ops: list[Op], counts: UpsertCounts) -> UpsertCounts:
        """Journal then apply one batch; a batch that changes nothing is not a commit."""
        if ops:
            ops = with_feed_events(self._state, ops, self._clock)  # the change feed
            if self._journal is not None:
                self._journal.append(self._state.version + 1, ops)
            try:
                self._state.apply_batch(ops)
            except Exception as exc:
                self._state = self._rebuilt(exc)  # never answer from half a batch
        return counts

    def _rebuilt(self, exc: Exception) -> GraphState:
        """The state after a batch that was journaled but failed part-way through being applied in memory.

        The journal is the commit point and holds the batch whole, so replaying the data dir gives the
        state with the batch fully applied. With no data dir there is nothing to replay: the store closes
        rather than answer from half a batch.
        """
        if self._dir is None or self._journal is None:
            self._closed = True
            raise BackendUnavailable(
                f"the in-memory store failed part-way through a batch ({exc!r}) and was closed"
            ) from exc
        self._half_applied = True
        try:
            state = reload_after_failed_apply(self._dir, exc)
        except BaseException:
            self.close()
            raise
        self._half_applied = False
        return state

    def _writable(self) -> GraphState:
        self._check_open()
        if self._read_only:
            raise Conflict(f"the store at {self._dir} was opened read-only; writes are refused")
        return self._state

    # ---- reads --------------------------------------------------------------------------------------

    def get_subjects(self, ids: Iterable[str]) -> dict[str, Subject]:
        with self._lock:
            state = self._readable()
            return {key: subject for key in ids if (subject := state.subject(key)) is not None}

    def get_entries(self, entry_ids: Iterable[str]) -> dict[str, ListEntry]:
        with self._lock:
            entries = self._readable().entries
            return {entry_id: entries[entry_id] for entry_id in entry_ids if entry_id in entries}

    def _relations_of(self, subject_id: str, direction: Direction) -> list[Relation]:
        with self._lock:
            state = self._readable()
            if state.subject(subject_id) is None:
                return []
            links = {
                "out": state.outgoing,
                "in": state.incoming,
                "both": state.touching,
            }[direction](subject_id)
            return [relation for relation, _ in links]

    def _relations_into(self, subject_ids: Sequence[str]) -> dict[str, list[Relation]]:
        with self._lock:
            state = self._readable()
            return {
                key: [relation for relation, _ in state.incoming(key)]
                for key in subject_ids
                if state.subject(key) is not None
            }

    def _adjacent(
        self, subject_ids: Sequence[str], as_of: dt.date | None, limit_per_node: int
    ) -> dict[str, Adjacency]:
        result: dict[str, Adjacency] = {}
        with self._lock:
            state = self._readable()
            for key in subject_ids:
                if key in result or state.subject(key) is None:
                    continue  # unknown subjects are absent from the answer
                links = [link for link in state.touching(key) if relation_matches(link[0], as_of, None)]
                links.sort(key=lambda link: relation_order(*link))
                result[key] = Adjacency(links=links[:limit_per_node], total=len(links))
        return result

    def _check_view(
        self, subject_id: str, depth: int, as_of: dt.date | None, limit_per_node: int
    ) -> CheckView:
        """Straight off the graph's dicts under one lock (:mod:`.check_reads`), not a dozen port reads."""
        with self._lock:
            return check_reads.check_view(self._readable(), subject_id, depth, as_of, limit_per_node)

    def _entries_for(self, subject_ids: Iterable[str]) -> list[ListEntry]:
        with self._lock:
            state = self._readable()
            return [state.entries[entry_id] for entry_id in state.entry_ids_of_subjects(subject_ids)]

    def _entries_naming_responsible(self, person_ids: Iterable[str]) -> list[ListEntry]:
        with self._lock:
            state = self._readable()
            return [state.entries[entry_id] for entry_id in state.entry_ids_naming(person_ids)]

    def _penalties_for(self, subject_ids: Iterable[str]) -> list[PenaltyRecord]:
        with self._lock:
            state = self._readable()
            return [state.penalties[key] for key in state.penalty_keys_of(subject_ids)]

    def _links_for(self, person_ids: Iterable[str]) -> list[PersonalLink]:
        with self._lock:
            state = self._readable()
            return [link for person_id in set(person_ids) for link in state.links_of_person(person_id)]

    def _links_of_entries(self, entry_ids: Iterable[str]) -> list[PersonalLink]:
        with self._lock:
            state = self._readable()
            return [link for entry_id in set(entry_ids) for link in state.links_of_entry(entry_id)]

    def get_tasks(self, flt: TaskFilter) -> list[Task]:
        with self._lock:
            return workflow_reads.tasks(self._readable(), flt)

    def get_task(self, task_id: str) -> Task | None:
        with self._lock:
            return self._readable().tasks.find(task_id)

    def get_disputes(self, *, entry_id: str | None = None, dispute_id: str | None = None) -> list[Dispute]:
        with self._lock:
            found = [
                d
                for d in self._readable().disputes.values()
                if (entry_id is None or d.entry_id == entry_id)
                and (dispute_id is None or d.dispute_id == dispute_id)
            ]
        return sorted(found, key=lambda d: d.dispute_id)

    def get_repairs(
        self, *, entry_id: str | None = None, repair_id: str | None = None
    ) -> list[RepairApplication]:
        with self._lock:
            found = [
                r
                for r in self._readable().repairs.values()
                if (entry_id is None or r.entry_id == entry_id)
                and (repair_id is None or r.repair_id == repair_id)
            ]
        return sorted(found, key=lambda r: r.repair_id)

    def entry_history(self, entry_id: str) -> list[StatusChange]:
        with self._lock:
            return list(self._readable().history.get(entry_id, ()))

    def counts(self) -> dict[str, int]:
        with self._lock:
            return self._readable().counts()

    def data_version(self) -> int:
        with self._lock:
            return self._readable().version

    def _search_subjects(self, text: str, limit: int) -> list[Subject]:
        with self._lock:
            state = self._readable()
            found = [state.subject(key) for key in state.search(text.strip().casefold(), limit)]
        return [subject for subject in found if subject is not None]

    def _subjects_after(self, after: str | None, limit: int) -> list[Subject]:
        with self._lock:
            state = self._readable()
            keys = (key for key in state.graph if after is None or key > after)
            found = [state.subject(key) for key in heapq.nsmallest(limit, keys)]
        return [subject for subject in found if subject is not None]

    def _readable(self) -> GraphState:
        self._check_open()
        return self._state

    # ---- lifecycle ----------------------------------------------------------------------------------

    def ping(self) -> None:
        with self._lock:
            self._check_open()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            try:
                self._save_binary_snapshot()
            finally:
                self._closed = True
                if self._journal is not None:
                    self._journal.close()
                if self._dir_lock is not None:
                    self._dir_lock.release()

    def _save_binary_snapshot(self) -> None:
        """On a writer's clean close: a binary snapshot (:mod:`.snapshot`) when the next start would
        otherwise replay :data:`~.snapshot.REWRITE_AFTER_BYTES` or more. Best effort: the journal holds
        everything, so a failure is logged and the next start replays it."""
        if self._dir is None or self._journal is None or self._closed or self._half_applied:
            return
        size = self._journal.size()
        covered = self._snapshot_offset
        unsaved = size - covered if covered is not None else size + _size(self._dir / SNAPSHOT_NAME)
        if unsaved < binary_snapshot.REWRITE_AFTER_BYTES:
            return
        try:
            binary_snapshot.write(self._dir, self._state, binary_snapshot.position(self._dir, size))
            self._snapshot_offset = size
        except Exception:  # a cache: whatever went wrong, the journal still holds every batch
            log.exception(
                "could not write the binary snapshot of %s; the next start replays the journal", self._dir
            )

    def clear(self) -> None:
        """Delete everything; the data version still grows, so no cached answer matches the emptied store."""
        with self._lock:
            state = self._writable()
            version = state.version + (0 if state.is_empty() else 1)
            # The feed's numbering survives a clear, so a peer's cursor never points into a new feed.
            floor = [FeedFloor(state.feed.head)] if state.feed.head else []
            if self._dir is not None and self._journal is not None:
                binary_snapshot.remove(self._dir)
                self._snapshot_offset = None
                write_snapshot(self._dir / SNAPSHOT_NAME, version, floor)
                self._journal.truncate(0)
            self._state = GraphState()
            self._state.version = version
            for op in floor:
                self._state.apply(op)

    def compact(self) -> CompactResult:
        """Fold the journal into a new snapshot (atomic) and truncate the journal, then write the binary
        snapshot of the state (:mod:`.snapshot`), so the next start replays nothing. Writers only.

        Readers and writers wait meanwhile. Crash-safe at every step: until the rename the old snapshot and
        the full journal stand; after it, journal records already in the snapshot are skipped at start; a
        binary snapshot not yet rewritten no longer matches ``snapshot.log`` and is ignored.
        """
        with self._lock:
            state = self._writable()
            if self._dir is None or self._journal is None:
                return CompactResult(state.version, 0, 0, 0)
            journal_bytes = self._journal.size()
            snapshot_bytes = write_snapshot(self._dir / SNAPSHOT_NAME, state.version, state.dump())
            self._journal.truncate(0)
            binary_bytes = binary_snapshot.write(self._dir, state, binary_snapshot.position(self._dir, 0))
            self._snapshot_offset = 0
            return CompactResult(state.version, journal_bytes, snapshot_bytes, binary_bytes)

    def _check_open(self) -> None:
        if self._closed:
            where = "in memory" if self._dir is None else f"at {self._dir}"
            raise BackendUnavailable(f"the embedded store {where} is closed")
