"""Bulk first load into a local Neo4j: validate like any load, then import offline with ``neo4j-admin``.

A registry of a million organisations takes a long time through ``UNWIND`` upserts; the offline importer
writes the same graph in a fraction of it. Nothing is validated differently: the caller hands in the
ordinary load (parsing, reference checks, rejects, person resolution, personal credit-record links) as a
function of a store, which runs into a staging store (:class:`~.staging.StreamingStaging`) — the load
needs a whole :class:`GraphStore` to check references against. Its organisations, persons and relations
go to the import files as the load validates them; the entries and what the lifecycle gives them
(history, personal links, tasks, feed events) are written from its dump at the end, property maps and
labels produced by the Neo4j store's own mapping (:mod:`.import_files`).

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
import resource
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from graph_service.domain.feed import FeedEvent
from graph_service.domain.model import ListEntry, Organization, Person, Relation, StatusChange
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.webhooks import Delivery
from graph_service.domain.workflow import Dispute, RepairApplication, Task
from graph_service.errors import Conflict, InvalidInput
from graph_service.neo4j_local import LaunchOptions, LocalNeo4j
from graph_service.neo4j_local.admin_import import run_import
from graph_service.store.base import GraphStore
from graph_service.store.dump import PersonMerge, StoredRecord
from graph_service.store.neo4j.connection import Connection
from graph_service.store.neo4j.first_load import ImportTarget, import_target, restore_empty_lists
from graph_service.store.neo4j.import_files import ImportFiles
from graph_service.store.neo4j.staging import StreamingStaging
from graph_service.store.neo4j.store import Neo4jStore
from graph_service.store.neo4j.workflow_rows import record_row

_NEO4J_USER = "neo4j"


class Validation(Protocol):
    """What the validating load reports: whether it succeeded, and how many records it read."""

    @property
    def ok(self) -> bool: ...

    @property
    def read(self) -> int: ...


R = TypeVar("R", bound=Validation)


@dataclass
class BulkReport(Generic[R]):
    """The staging load's report, and the seconds of each step of the import."""

    load: R
    phases: dict[str, float] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    restored_lists: int = 0
    data_version: int = 0
    importer_summary: str = ""
    staging_peak_rss_mb: float = 0.0  # the staging process's peak resident memory

    @property
    def seconds(self) -> float:
        """The whole import's wall time: the sum of its phases."""
        return sum(self.phases.values())

    @property
    def records_per_second(self) -> float:
        """Source records read per second of the whole import."""
        return self.load.read / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class _Staged(Generic[R]):
    """What the staging process hands back: the load's report and the import files it wrote."""

    load: R
    file_args: list[str]
    counts: dict[str, int]
    multiline: bool
    data_version: int
    phases: dict[str, float]
    peak_rss_mb: float = 0.0


def _stage(validate: Callable[[GraphStore], R], files_dir: Path, before: ImportTarget) -> _Staged[R]:
    """Validate into the streaming staging store, then write the entry side (run in a child process).

    Subjects and relations reach the import files while the load validates them (:mod:`.staging`);
    entries, their history, links, workflow records and feed events are written from the staging
    store's dump afterwards.
    """
    began = time.perf_counter()
    files = ImportFiles(files_dir)
    staging = StreamingStaging(files)
    phases: dict[str, float] = {}
    try:
        report = validate(staging)
        phases["validate"] = time.perf_counter() - began
        if not report.ok:
            return _Staged(report, [], {}, False, 0, phases)
        began = time.perf_counter()
        # The imported graph continues the counters, so no cached answer or peer cursor matches it.
        data_version = before.data_version + staging.data_version()
        for record in staging.entry_records():
            _write(files, record, before.feed_seq)
        staging.finish()
        file_args = files.close(data_version, before.feed_seq)
        phases["write_files"] = time.perf_counter() - began
        # ru_maxrss is in KiB on Linux (the only platform the local Neo4j launcher runs on).
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return _Staged(report, file_args, dict(files.counts), files.multiline, data_version, phases, peak)
    finally:
        staging.close()


def _in_child(validate: Callable[[GraphStore], R], files_dir: Path, before: ImportTarget) -> _Staged[R]:
    """:func:`_stage` in a spawned process, which ends with ``os._exit`` once it has sent its answer.

    Tearing down a staging graph of tens of millions of objects one by one took 1.5 minutes at a million
    organisations; the kernel frees the process's memory at once. ``validate`` is pickled to the child, so
    it must be a module-level function or a ``functools.partial`` of one.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(sender, validate, files_dir, before))
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
    staged: _Staged[R] = outcome
    return staged


def _child_main(
    sender: multiprocessing.connection.Connection,
    validate: Callable[[GraphStore], R],
    files_dir: Path,
    before: ImportTarget,
) -> None:
    try:
        outcome: _Staged[R] | BaseException = _stage(validate, files_dir, before)
    except BaseException as exc:  # handed to the parent, which raises it there
        outcome = exc
    sender.send(outcome)
    sender.close()
    os._exit(0)


def bulk_import(
    validate: Callable[[GraphStore], R],
    options: LaunchOptions,
    files_dir: Path,
    *,
    keep_files: bool = False,
    echo: Callable[[str], None] = lambda _line: None,
) -> BulkReport[R]:
    """Import what ``validate`` loads into the empty Neo4j database of the home ``options``.

    ``validate`` is a format v1 load waiting for its store (e.g. :func:`loaders.pipeline.load_v1`); its
    report says whether it succeeded. The server is checked to be empty and stopped first (so nothing can
    write while the files are made), and is running afterwards. The staging store lives in a child
    process, so its memory (gigabytes at a million organisations) is given back before the importer and
    the server need theirs. Nothing is changed if the database is not empty (``Conflict``) or the load
    fails (``report.load`` not ok; the server is started again). ``files_dir`` receives the import files,
    removed unless ``keep_files``.
    """
    password = options.require_password()
    launcher = LocalNeo4j(options, echo=echo)
    phases: dict[str, float] = {}

    began = time.perf_counter()
    launcher.start()
    before = _target(options, password)
    echo("stopping the server: the import replaces its database")
    launcher.stop()
    phases["check"] = time.perf_counter() - began

    echo(f"validating and writing the import files to {files_dir}")
    try:
        staged = _in_child(validate, files_dir, before)
        report = BulkReport(load=staged.load, phases=phases)
        report.phases.update(staged.phases)
        if not report.load.ok:
            return report
        report.files = staged.counts
        report.data_version = staged.data_version
        report.staging_peak_rss_mb = staged.peak_rss_mb

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
        phases["start"] = time.perf_counter() - began
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


def _write(files: ImportFiles, record: StoredRecord, feed_offset: int) -> None:
    match record:
        case Organization() | Person():
            files.add_subject(record)
        case Relation():
            files.add_relation(record)
        case ListEntry():
            files.add_entry(record)
        case StatusChange():
            files.add_change(record)
        case PersonalLink():
            files.add_link(record)
        case FeedEvent():
            files.add_feed_event(record, feed_offset)
        case Task() | Dispute() | RepairApplication() | Delivery():
            files.add_workflow_record(record_row(record))
        case PersonMerge():
            pass  # the Neo4j store keeps no record of merged persons
        case _:
            # Penalties and peer cursors never come from a format v1 load.
            raise InvalidInput(f"a bulk import cannot carry {type(record).__name__} records")
