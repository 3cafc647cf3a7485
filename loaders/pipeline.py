"""Load a directory (or file) of source data into a store: plan, preflight, stream, batch, report.

Order matters for references: organisations, then persons, then the relations between them, then list
entries on them. Every file is checked before anything is written — it must decode in the chosen
encoding and carry its required columns — so a broken file fails the load before the load changes the
store. After that, bad rows are rejected one by one and never stop the load.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from graph_service.services.checks.catalog import default_catalog
from graph_service.services.workflow.intake import LoadDoor
from graph_service.services.workflow.links import refresh_links
from graph_service.services.workflow.state import Policy
from graph_service.store.base import GraphStore
from loaders.cells import Problem
from loaders.csvio import BadRecord, Encoding, IssueWriter, Row, SourceError, resolve_encoding
from loaders.formats import ftm
from loaders.formats.court import CourtRecords
from loaders.formats.penalty import PenaltyRecords
from loaders.formats.v1_entries import ListEntries
from loaders.formats.v1_relations import Branches, Practitioners, Roles
from loaders.formats.v1_shareholdings import Shareholdings
from loaders.formats.v1_subjects import Organizations, Persons
from loaders.parsing import chunks, parsed_ahead
from loaders.report import FileReport, LoadReport, is_issue_file
from loaders.run import FileKind, Run

Format = Literal["v1", "court", "penalty", "ftm"]
FORMATS: tuple[Format, ...] = ("v1", "court", "penalty", "ftm")

# Format v1: the files of a directory, in load order.
V1_FILES: tuple[tuple[str, type[FileKind[Any]]], ...] = (
    ("organizations.csv", Organizations),
    ("persons.csv", Persons),
    ("roles.csv", Roles),
    ("shareholdings.csv", Shareholdings),
    ("practitioners.csv", Practitioners),
    ("branches.csv", Branches),
    ("list_entries.csv", ListEntries),
)
_PUBLIC: dict[str, type[FileKind[Any]]] = {"court": CourtRecords, "penalty": PenaltyRecords}
_PUBLIC_SUFFIXES = (".csv", ".jsonl", ".ndjson")
BATCH_SIZE = 5_000


class Progress(Protocol):
    """Where the pipeline reports progress (the CLI shows a bar; tests pass nothing)."""

    def start(self, label: str, total_bytes: int) -> None: ...

    def advance(self, done_bytes: int) -> None: ...

    def finish(self) -> None: ...


@dataclass(frozen=True)
class PlannedFile:
    path: Path
    kind: FileKind[Any]
    encoding: str = ""


def plan(path: Path, fmt: Format) -> tuple[list[PlannedFile], list[str]]:
    """The files to load from ``path`` in order, and notes on files that will be ignored.

    v1 needs a directory; the public formats take one file or every ``.csv``/``.jsonl`` file of a directory.
    """
    if not path.exists():
        raise SourceError(path, "no such file or directory")
    if fmt == "v1":
        if not path.is_dir():
            raise SourceError(path, "format v1 is a directory of CSV files")
        known = {name for name, _ in V1_FILES}
        files = [PlannedFile(path / name, kind(name)) for name, kind in V1_FILES if (path / name).is_file()]
        ignored = sorted(p.name for p in path.iterdir() if p.is_file() and p.name not in known)
        return files, [f"ignored {name}: not a format v1 file name" for name in ignored]
    if fmt == "ftm":
        entity_files, notes = ftm.plan(path)
        return [PlannedFile(p, kind) for p, kind in entity_files], notes
    kind_type = _PUBLIC[fmt]
    if path.is_file():
        return [PlannedFile(path, kind_type(path.name))], []
    candidates = sorted(p for p in path.iterdir() if p.is_file())
    # The issue files of an earlier load of one of these files sit beside it: never source data.
    issues = [p for p in candidates if is_issue_file(p)]
    chosen = [p for p in candidates if p.suffix.lower() in _PUBLIC_SUFFIXES and p not in issues]
    notes = [
        f"ignored {p.name}: {'the issue file of a load' if p in issues else 'not .csv or .jsonl'}"
        for p in candidates
        if p not in chosen
    ]
    return [PlannedFile(p, kind_type(p.name)) for p in chosen], notes


def preflight(planned: PlannedFile, encoding: Encoding) -> tuple[PlannedFile, list[str]]:
    """Prove a file loadable before anything is written: it decodes and has its required columns.

    Returns the file with its encoding and the columns it has that the format does not know (ignored).
    Raises :class:`SourceError` with a message naming the file and what is wrong.
    """
    chosen = resolve_encoding(planned.path, encoding)
    with planned.kind.open(planned.path, chosen) as stream:
        header = stream.header.columns
    if stream.format == "csv":
        missing = planned.kind.missing_columns(header)
        if missing:
            raise SourceError(planned.path, f"missing required column(s): {', '.join(missing)}")
    unknown = [c for c in header if c and c not in planned.kind.columns]
    return PlannedFile(planned.path, planned.kind, chosen), unknown


def load(
    store: GraphStore,
    path: Path,
    *,
    fmt: Format = "v1",
    encoding: Encoding = "auto",
    dry_run: bool = False,
    rejects: Path | None = None,
    warnings: Path | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    door: LoadDoor | None = None,
    snapshot: bool = False,
) -> LoadReport:
    """Load ``path`` in format ``fmt`` into ``store`` (nothing is written in a dry run).

    List entries enter the lifecycle through ``door`` (the catalog, policy, operator and time of the
    load: :mod:`graph_service.services.workflow.intake`); without, the packaged catalog, the default
    policy and the operator ``load`` at the current time. Returns the report; a file that cannot be
    loaded at all sets ``report.failure`` and nothing is written (every file is checked first). Row
    problems go to ``rejects`` / ``warnings`` (CSV files). With ``snapshot``, a court-list file is the
    complete current list of its courts: their entries absent from it are ended (``loaders/formats/court``).
    """
    started = time.perf_counter()
    report = LoadReport(format=fmt, dry_run=dry_run)
    # The issue files are (re)created first, so a failed load never leaves an older run's rejects behind.
    with IssueWriter(rejects) as reject_file, IssueWriter(warnings) as warning_file, _fewer_gc_passes():
        try:
            planned, notes = plan(path, fmt)
            report.notes.extend(notes)
            checked = [preflight(p, encoding) for p in planned]
        except SourceError as exc:
            report.failure = str(exc)
            return report
        door = door or LoadDoor(default_catalog(), Policy(), "load", dt.datetime.now(dt.UTC))
        run = Run(
            store, dry_run=dry_run, rejects=reject_file, warnings=warning_file, door=door, snapshot=snapshot
        )
        for planned_file, unknown in checked:
            file_report = FileReport(planned_file.path.name, planned_file.kind.kind, planned_file.encoding)
            report.files.append(file_report)
            if unknown:
                reason = f"unknown column(s) ignored: {', '.join(unknown)}"
                run.warn(file_report, 1, [Problem(",".join(unknown), "", reason)])
            file_started = time.perf_counter()
            _load_file(planned_file, run, file_report, batch_size, progress)
            file_report.seconds = time.perf_counter() - file_started
        if not dry_run:
            report.links = refresh_links(store, run.touched_entries, run.touched_orgs)
    report.seconds = time.perf_counter() - started
    return report


def load_v1(
    path: Path, *, rejects: Path | None = None, warnings: Path | None = None, door: LoadDoor | None = None
) -> Callable[[GraphStore], LoadReport]:
    """:func:`load` of the format v1 directory ``path``, waiting for the store to load into.

    What a bulk import validates into its staging store: a ``functools.partial``, so it can be handed to
    the child process the import stages in (``door`` as for :func:`load`).
    """
    return functools.partial(load, path=path, fmt="v1", rejects=rejects, warnings=warnings, door=door)


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """Run the cyclic garbage collector less often while loading, and never over what a batch stored.

    A load allocates millions of short-lived, acyclic objects (rows, cells, models; reference counting
    frees them); with the default threshold of 700 allocations the collector's passes took a quarter of the
    load's time. What survives a batch is the store's own state, which only grows: each batch written is
    frozen (:func:`_settle`, ``gc.freeze``), so the collector's older generations never walk it again (at
    100k organisations those passes were a tenth of the load's CPU, and they grow with the store). Frozen
    objects are still freed by reference counting; only cyclic garbage frozen with them waits for the end
    of the load, when everything is unfrozen and the threshold restored. A process that kept its heap
    frozen already (``graph-service serve``, which loads uploads) has it so again, collected first.
    """
    before = gc.get_threshold()
    served = gc.get_freeze_count() > 0
    gc.set_threshold(max(before[0], 50_000), *before[1:])
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        if served:
            gc.collect()
            gc.freeze()


def _settle() -> None:
    """After a batch is written: what it left alive is the store's (see :func:`_fewer_gc_passes`)."""
    gc.freeze()


def _load_file(
    planned: PlannedFile, run: Run, report: FileReport, batch_size: int, progress: Progress | None
) -> None:
    kind = planned.kind

    def reread() -> Iterator[tuple[int, Row | BadRecord]]:
        with kind.open(planned.path, planned.encoding) as again:
            yield from again

    kind.prepass(reread)
    on_bytes: Callable[[int], None] | None = None
    if progress is not None:
        progress.start(planned.path.name, planned.path.stat().st_size)
        on_bytes = progress.advance
    unknown_keys: set[str] = set()
    today = dt.date.today()  # the day that judges birth dates (Cells), asked once per file, not per row
    try:
        with kind.open(planned.path, planned.encoding, on_bytes=on_bytes) as stream:
            parsed = chunks(stream, kind, run.ids, today, batch_size, unknown_keys)
            # A store whose calls wait on a server leaves the CPU to parse the next batch meanwhile.
            ahead = parsed_ahead(parsed) if run.store.reads_block and not run.dry_run else nullcontext(parsed)
            with ahead as batches:
                for chunk in batches:
                    chunk.record(run, report)
                    if chunk.rows:
                        kind.write(chunk.rows, run, report)
                        _settle()
        kind.after_file(run, report)
    finally:
        if progress is not None:
            progress.finish()
    if unknown_keys:
        reason = f"unknown key(s) ignored: {', '.join(sorted(unknown_keys))}"
        run.warn(report, 0, [Problem(",".join(sorted(unknown_keys)), "", reason)])
