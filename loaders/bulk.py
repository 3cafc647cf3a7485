"""Bulk first load into a local Neo4j: validate like any load, then import offline with ``neo4j-admin``.

A registry of a million organisations takes a long time through ``UNWIND`` upserts; the offline importer
writes the same graph in a fraction of it. Nothing is validated differently: the source goes through the
ordinary pipeline (:func:`loaders.pipeline.load` — parsing, reference checks, rejects, person
resolution, personal credit-record links) into an in-memory staging store, and the staging store's
content is what gets imported, property maps and labels produced by the Neo4j store's own mapping
(:mod:`graph_service.store.neo4j.import_files`).

The importer replaces the database, so it is only allowed when the database is empty (nothing but the
counters, as :meth:`GraphStore.clear` leaves them). Sequence: check the database is empty and stop the
server (nothing can write to it from then on); validate into the staging store and write the import
files in a child process; import; start the server again, which creates the constraints and indexes
(:class:`Neo4jStore` applies the schema); restore the empty lists the importer cannot store. Registry
format v1 only: the public feeds need the store's search while loading and are small anyway.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from graph_service.errors import Conflict, InvalidInput
from graph_service.neo4j_local import LaunchOptions, LocalNeo4j
from graph_service.neo4j_local.admin_import import run_import
from graph_service.store.memory import MemoryStore
from graph_service.store.memory.feed_state import AppendFeed
from graph_service.store.memory.ops import (
    AddStatus,
    Op,
    PutEntry,
    PutLink,
    PutRelation,
    PutSubject,
    RecordMerge,
)
from graph_service.store.neo4j import Neo4jStore
from graph_service.store.neo4j.connection import Connection
from graph_service.store.neo4j.first_load import ImportTarget, import_target, restore_empty_lists
from graph_service.store.neo4j.import_files import ImportFiles
from loaders.pipeline import load
from loaders.report import LoadReport

_NEO4J_USER = "neo4j"


@dataclass
class BulkReport:
    """The staging load's report, and the seconds of each step of the import."""

    load: LoadReport
    phases: dict[str, float] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    restored_lists: int = 0
    data_version: int = 0
    importer_summary: str = ""

    @property
    def seconds(self) -> float:
        return sum(self.phases.values())

    @property
    def records_per_second(self) -> float:
        return self.load.read / self.seconds if self.seconds > 0 else 0.0


class _StagingStore(MemoryStore):
    """An in-memory embedded store whose whole content can be read back in dependency order."""

    def __init__(self) -> None:
        super().__init__(None)

    def dump(self) -> Iterator[Op]:
        with self._lock:
            yield from self._state.dump()


@dataclass(frozen=True)
class _Staged:
    """What the staging process hands back: the load's report and the import files it wrote."""

    load: LoadReport
    file_args: list[str]
    counts: dict[str, int]
    multiline: bool
    data_version: int
    phases: dict[str, float]


def _stage(
    source: Path, files_dir: Path, rejects: Path | None, warnings: Path | None, before: ImportTarget
) -> _Staged:
    """Validate ``source`` into a staging store and write the import files (run in a child process)."""
    began = time.perf_counter()
    staging = _StagingStore()
    phases: dict[str, float] = {}
    try:
        report = load(staging, source, fmt="v1", rejects=rejects, warnings=warnings)
        phases["validate"] = time.perf_counter() - began
        if not report.ok:
            return _Staged(report, [], {}, False, 0, phases)
        began = time.perf_counter()
        # The imported graph continues the counters, so no cached answer or peer cursor matches it.
        data_version = before.data_version + staging.data_version()
        files = ImportFiles(files_dir)
        for op in staging.dump():
            _write(files, op, before.feed_seq)
        file_args = files.close(data_version, before.feed_seq)
        phases["write_files"] = time.perf_counter() - began
        return _Staged(report, file_args, dict(files.counts), files.multiline, data_version, phases)
    finally:
        staging.close()


def _in_child(
    source: Path, files_dir: Path, rejects: Path | None, warnings: Path | None, before: ImportTarget
) -> _Staged:
    """:func:`_stage` in a spawned process, which ends with ``os._exit`` once it has sent its answer.

    Tearing down a staging graph of tens of millions of objects one by one took 1.5 minutes at a million
    organisations; the kernel frees the process's memory at once.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(sender, source, files_dir, rejects, warnings, before))
    child.start()
    sender.close()
    try:
        outcome = receiver.recv()
    except EOFError as exc:
        raise RuntimeError(f"the staging process died (exit code {child.exitcode}) before answering") from exc
    finally:
        child.join()
    if isinstance(outcome, BaseException):
        raise outcome
    staged: _Staged = outcome
    return staged


def _child_main(
    sender: multiprocessing.connection.Connection,
    source: Path,
    files_dir: Path,
    rejects: Path | None,
    warnings: Path | None,
    before: ImportTarget,
) -> None:
    try:
        outcome: _Staged | BaseException = _stage(source, files_dir, rejects, warnings, before)
    except BaseException as exc:  # handed to the parent, which raises it there
        outcome = exc
    sender.send(outcome)
    sender.close()
    os._exit(0)


def bulk_import(
    source: Path,
    options: LaunchOptions,
    files_dir: Path,
    *,
    rejects: Path | None = None,
    warnings: Path | None = None,
    keep_files: bool = False,
    echo: Callable[[str], None] = lambda _line: None,
) -> BulkReport:
    """Load the format v1 directory ``source`` into the empty Neo4j database of the home ``options``.

    The server is checked to be empty and stopped first (so nothing can write while the files are made),
    and is running afterwards. The staging store lives in a child process, so its memory (gigabytes at a
    million organisations) is given back before the importer and the server need theirs. Nothing is
    changed if the database is not empty (``Conflict``) or the load fails (``report.load.failure``; the
    server is started again). ``files_dir`` receives the import files, removed unless ``keep_files``.
    """
    password = options.require_password()
    launcher = LocalNeo4j(options, echo=echo)
    report = BulkReport(load=LoadReport(format="v1", dry_run=False))

    began = time.perf_counter()
    launcher.start()
    before = _target(options, password)
    echo("stopping the server: the import replaces its database")
    launcher.stop()
    report.phases["check"] = time.perf_counter() - began

    echo(f"validating {source} and writing the import files to {files_dir}")
    try:
        staged = _in_child(source, files_dir, rejects, warnings, before)
        report.load = staged.load
        report.phases.update(staged.phases)
        if not report.load.ok:
            return report
        report.files = staged.counts
        report.data_version = staged.data_version

        began = time.perf_counter()
        echo("running neo4j-admin database import full")
        result = run_import(
            options, staged.file_args, multiline=staged.multiline, report_file=files_dir / "import.report"
        )
        report.importer_summary = result.summary
        report.phases["import"] = time.perf_counter() - began
    finally:
        began = time.perf_counter()
        echo("starting the server")
        launcher.start()
        report.phases["start"] = time.perf_counter() - began
        if not keep_files:
            shutil.rmtree(files_dir, ignore_errors=True)

    began = time.perf_counter()
    echo("creating constraints and indexes")
    with Neo4jStore(options.bolt_uri, _NEO4J_USER, password, timeout_s=3600.0):
        pass  # construction applies cypher/schema.cypher and waits until every index is online
    connection = Connection(options.bolt_uri, _NEO4J_USER, password, "neo4j", 3600.0)
    try:
        report.restored_lists = restore_empty_lists(connection)
    finally:
        connection.close()
    report.phases["schema"] = time.perf_counter() - began
    return report


def _target(options: LaunchOptions, password: str) -> ImportTarget:
    connection = Connection(options.bolt_uri, _NEO4J_USER, password, "neo4j", 60.0)
    try:
        target = import_target(connection)
    finally:
        connection.close()
    if not target.empty:
        raise Conflict(
            f"the Neo4j database at {options.bolt_uri} holds {target.nodes} nodes: a bulk import replaces "
            "the database, so it is only allowed into an empty one (use `graph-service load`, or clear it)"
        )
    return target


def _write(files: ImportFiles, op: Op, feed_offset: int) -> None:
    match op:
        case PutSubject(subject=subject):
            files.add_subject(subject)
        case PutRelation(relation=relation):
            files.add_relation(relation)
        case PutEntry(entry=entry):
            files.add_entry(entry)
        case AddStatus(change=change):
            files.add_change(change)
        case PutLink(link=link):
            files.add_link(link)
        case AppendFeed(event=event):
            files.add_feed_event(event, feed_offset)
        case RecordMerge():
            pass  # the Neo4j store keeps no record of merged persons
        case _:
            # Penalties, workflow records and feed events never come from a format v1 load.
            raise InvalidInput(f"a bulk import cannot carry {type(op).__name__} records")
