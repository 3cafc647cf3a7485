"""The state one load shares across its files, and the contract every file kind implements.

A file kind parses rows (pure validation, no store) and writes batches of parsed rows (reference checks
and store writes). The run remembers which subject keys exist — loaded by this run or found in the store —
so each key is looked up in the store at most once per load.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Generic, Literal, Protocol, TypeVar

from graph_service.domain.model import ListEntry, Organization, Person, Subject, UpsertCounts
from graph_service.errors import Conflict, InvalidInput, NotFound
from graph_service.services.workflow.batch_reads import BatchReads
from graph_service.services.workflow.intake import ROW_REFUSALS, LoadDoor, Outcome, StepBuffer, admit_entry
from graph_service.store.base import GraphStore
from loaders.cells import Cells, Problem
from loaders.csvio import BadRecord, Header, IssueWriter, ProgressFn, Row, RowStream
from loaders.memo import IdentifierMemo
from loaders.report import FileReport

T = TypeVar("T")
S = TypeVar("S")

# Store errors a single row can cause; anything else (BackendUnavailable) fails the load instead.
_ROW_ERRORS = (NotFound, InvalidInput, Conflict)


@dataclass(frozen=True, slots=True)  # slots: one per loaded row, and a frozen dataclass's init is 3x slower
class Parsed(Generic[T]):
    """A row that passed validation: where it came from and what it became."""

    line: int
    row: Row
    value: T


class Run:
    """One load: the store, the rejects and warnings files, and what this load has seen so far."""

    def __init__(
        self,
        store: GraphStore,
        *,
        dry_run: bool,
        rejects: IssueWriter,
        warnings: IssueWriter,
        door: LoadDoor,
        snapshot: bool = False,
    ) -> None:
        self.store = store
        self.door = door
        self.dry_run = dry_run
        # The court list as a complete current list of its courts: absent entries are ended (court.py).
        self.snapshot = snapshot
        self.rejects = rejects
        self.warnings = warnings
        # Subject keys known to exist (written by this run or found in the store). ~70 bytes a key: a
        # province-sized load (a few million keys) fits comfortably.
        self.known: set[str] = set()
        # Unresolved keys merged during this run -> the ID number they became: later rows that still
        # name the person by organisation + name are pointed at the resolved person.
        self.resolved: dict[str, str] = {}
        # What personal credit-record links must be recomputed for at the end of the load.
        self.touched_orgs: set[str] = set()
        self.touched_entries: set[str] = set()
        # The identifier checks' answers for this load, unbounded and dropped with the run (loaders.memo).
        self.ids = IdentifierMemo()

    # ---- issues ---------------------------------------------------------------------------------------

    def reject(self, report: FileReport, line: int, problems: Iterable[Problem]) -> None:
        """Count one rejected row and write each of its problems to the rejects file."""
        report.rejected += 1
        for p in problems:
            self.rejects.write(report.file, line, p.column, p.value, p.reason)

    def warn(self, report: FileReport, line: int, problems: Iterable[Problem]) -> None:
        for p in problems:
            report.warnings += 1
            self.warnings.write(report.file, line, p.column, p.value, p.reason)

    # ---- references ---------------------------------------------------------------------------------

    def unknown(self, ids: Iterable[str]) -> set[str]:
        """The ids among ``ids`` that neither this run loaded nor the store holds (one store call)."""
        ask = {i for i in ids if i not in self.known}
        if not ask:
            return set()
        found = self.store.get_subjects(ask)
        self.known.update(found)
        return ask - found.keys()

    def mark_known(self, ids: Iterable[str]) -> None:
        self.known.update(ids)

    # ---- writes -------------------------------------------------------------------------------------

    def upsert(
        self,
        report: FileReport,
        batch: Sequence[Parsed[T]],
        write: Callable[[Sequence[T]], UpsertCounts],
        column: str,
    ) -> list[Parsed[T]]:
        """Write a batch through ``write``; returns the rows that were written (all, in a dry run).

        Reference checks happen before, so the store refusing a batch means a row the checks could not
        foresee (or a concurrent change): the batch is retried row by row and only the refused rows are
        rejected, with the store's own message, attributed to ``column``.
        """
        if not batch:
            return []
        if self.dry_run:
            report.valid += len(batch)
            return list(batch)
        try:
            report.add(write([p.value for p in batch]))
            return list(batch)
        except _ROW_ERRORS as exc:
            if len(batch) == 1:
                item = batch[0]
                self.reject(report, item.line, [Problem(column, item.row.get(column, ""), exc.detail)])
                return []
        written: list[Parsed[T]] = []
        for item in batch:
            try:
                report.add(write([item.value]))
                written.append(item)
            except _ROW_ERRORS as exc:
                self.reject(report, item.line, [Problem(column, item.row.get(column, ""), exc.detail)])
        return written

    def admit(
        self,
        report: FileReport,
        batch: Sequence[Parsed[T]],
        entry_of: Callable[[T], ListEntry],
        column: str,
    ) -> list[Parsed[T]]:
        """Hand each row's entry to the lifecycle (:func:`admit_entry`); returns the rows it accepted.

        A new entry is initiated (tasks, pushes, history, feed event), a changed one transitioned; the
        lifecycle's refusal of a row is its reject, with the message naming what is allowed. The steps are
        written a chunk at a time (:class:`StepBuffer`), all of them before this returns; the rows' reads
        are made ahead for the whole batch (:class:`BatchReads`), again for what a written chunk touched.
        """
        if self.dry_run:
            report.valid += len(batch)
            return list(batch)
        entries = [entry_of(item.value) for item in batch]
        reads = BatchReads(self.store)
        steps = StepBuffer(self.store)
        held: list[tuple[int, Outcome]] = []  # admitted rows (index in batch) whose steps may be held
        accepted: list[Parsed[T]] = []

        def settle() -> None:
            touched = steps.touched
            refused = steps.flush()
            reads.forget(touched)
            for index, outcome in held:
                item = batch[index]
                if index in refused:
                    problem = Problem(column, item.row.get(column, ""), refused[index].detail)
                    self.reject(report, item.line, [problem])
                else:
                    report.add(UpsertCounts(**{outcome: 1}))
                    accepted.append(item)
            held.clear()

        for index, (item, entry) in enumerate(zip(batch, entries, strict=True)):
            if steps.holds(entry):
                settle()  # the row reads what a held step writes
            if not reads.knows(entry):
                reads.read_ahead(entries[index:])  # the rest of the batch, what was not read or was dropped
            try:
                # Its steps are held, so nothing is written here.
                outcome = admit_entry(
                    self.store,
                    self.door,
                    entry,
                    file=report.file,
                    line=item.line,
                    write=steps.writer(index),
                    reads=reads,
                )
            except ROW_REFUSALS as exc:
                self.reject(report, item.line, [Problem(column, item.row.get(column, ""), exc.detail)])
                continue
            held.append((index, outcome))
            if steps.full:
                settle()
        settle()
        return accepted  # in the batch's order: rows are settled in order

    def create_missing(self, report: FileReport, subjects: Iterable[Subject]) -> None:
        """Create the subjects among ``subjects`` that do not exist yet; never overwrites a stored one.

        For subjects a row implies rather than lists: unresolved persons named by a relation row, and
        debtors or penalised subjects named (with their identifier) by a public feed.
        """
        by_key = {s.key: s for s in subjects}
        new = [by_key[k] for k in sorted(self.unknown(by_key))]
        if not new:
            return
        orgs = [s for s in new if isinstance(s, Organization)]
        persons = [s for s in new if isinstance(s, Person)]
        if not self.dry_run:
            if orgs:
                self.store.upsert_organizations(orgs)
            if persons:
                self.store.upsert_persons(persons)
        report.subjects_created += len(new)
        report.unresolved_persons += sum(1 for p in persons if p.unresolved)
        self.mark_known(s.key for s in new)


class FirstSeen:
    """Which keys a file already had, and a fingerprint of the row that had them (first row wins).

    Keys are held as their 64-bit hash, each with one packed int (fingerprint << 32 | line): about 100
    bytes a key, whatever the key's length, so a file of a million rows costs ~100 MB at most and never
    the file itself. Two distinct keys of a million-key file share a hash with odds of about 1 in 40
    million (the later row would be reported as a repeat): the price of not keeping every key's text.
    """

    def __init__(self) -> None:
        self._seen: dict[int, int] = {}

    def check(self, key: Hashable, fingerprint: Hashable, line: int) -> tuple[bool, int] | None:
        """None the first time; else (same data as the first row?, line of the first row)."""
        digest = hash(fingerprint) & 0xFFFFFFFF
        slot = hash(key)
        earlier = self._seen.get(slot)
        if earlier is None:
            self._seen[slot] = (digest << 32) | line
            return None
        return (earlier >> 32) == digest, earlier & 0xFFFFFFFF


def first_rows_only(
    seen: FirstSeen,
    batch: list[Parsed[S]],
    key: Callable[[S], str],
    column: str,
    run: Run,
    report: FileReport,
    fingerprint: Callable[[S], Hashable] | None = None,
) -> list[Parsed[S]]:
    """Drop repeats of a key given earlier in the same file.

    An identical repeat is skipped with a warning; a repeat with different data is rejected and the first
    row kept — a silent last-wins would let the order of an export decide which name or status is stored.
    """
    kept: list[Parsed[S]] = []
    for item in batch:
        k = key(item.value)
        earlier = seen.check(k, item.value if fingerprint is None else fingerprint(item.value), item.line)
        if earlier is None:
            kept.append(item)
            continue
        same, line = earlier
        if same:
            report.skipped += 1
            run.warn(report, item.line, [Problem(column, k, f"repeats line {line}; skipped")])
        else:
            reason = (
                f"{column} {k} was already given on line {line} with different data; the first row is kept"
            )
            run.reject(report, item.line, [Problem(column, item.row.get(column, k), reason)])
    return kept


class RowSource(Protocol):
    """The rows of one source file as ``(line, row)`` (:class:`RowStream`, or a format's own reader)."""

    format: Literal["csv", "jsonl"]
    header: Header

    def __iter__(self) -> Iterator[tuple[int, Row | BadRecord]]: ...

    def __enter__(self) -> RowSource: ...

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class FileKind(abc.ABC, Generic[T]):
    """One kind of source file: its columns, how a row is parsed, how a batch is written."""

    kind: ClassVar[str]
    required: ClassVar[tuple[str, ...]]
    optional: ClassVar[tuple[str, ...]] = ()
    # Normalised source header -> column name (public formats publish Chinese headers).
    aliases: ClassVar[Mapping[str, str]] = {}

    def __init__(self, source: str) -> None:
        self.source = source

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    def missing_columns(self, header: Sequence[str]) -> list[str]:
        """Required columns absent from a header (JSON lines have no header and are checked per row)."""
        return [c for c in self.required if c not in header]

    def open(self, path: Path, encoding: str, *, on_bytes: ProgressFn | None = None) -> RowSource:
        """The file's rows: CSV or JSON lines by default; a format whose records are not flat rows
        (FtM entities) turns them into rows itself."""
        return RowStream(path, encoding, aliases=self.aliases, on_bytes=on_bytes)

    def prepass(self, reread: Callable[[], Iterator[tuple[int, Row | BadRecord]]]) -> None:  # noqa: B027
        """Optional: read the file before loading it (``reread()`` streams it again from the start).

        For facts that need the whole file, such as ratios derived from all of an organisation's
        subscribed amounts. The default reads nothing.
        """

    def after_file(self, run: Run, report: FileReport) -> None:  # noqa: B027
        """Optional: act once the file's last batch is written (the court list's snapshot delisting)."""

    def parse_clean(self, row: Row, line: int, ids: IdentifierMemo, today: dt.date) -> T | None:
        """Optional: :meth:`parse` of a row that has neither a problem nor a warning, without :class:`Cells`.

        The common row of a bulk load, built straight from the cells with the load's memoised identifier
        checks. None for any other row — or whenever unsure — and :meth:`parse` takes it: so a value
        returned here must be the very value :meth:`parse` returns for that row, with no issue written
        (a unit test holds the two equal). ``today`` judges birth dates as in :class:`Cells`.
        """
        return None

    @abc.abstractmethod
    def parse(self, cells: Cells) -> T:
        """Validate one row into a value; raise ``RowRejected`` listing every problem. No store access."""

    @abc.abstractmethod
    def write(self, batch: list[Parsed[T]], run: Run, report: FileReport) -> None:
        """Check references against the run and the store, then write the batch; reject what cannot be."""
