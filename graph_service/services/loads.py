"""Loads run inside the service (``POST /v1/loads``): a department's export, checked, then written.

The API process holds the store, so a load started here is one more writer in the process that already
writes — the embedded store's single-writer lock is never contested, as it is when ``graph-service load``
runs beside a serving API. Each confirmed load runs :func:`loaders.pipeline.load` — the same call
``graph-service load`` makes, list entries entering the lifecycle through the load door — in a
background thread of its own; :class:`LoadJobs` allows one running load at a time (a second is a
``Conflict`` naming the first), so two loads never interleave their batches.

This is the one service that drives the loader pipeline: like the CLI, it is an entrypoint's helper that
stages the uploaded file in a work directory, calls the pipeline and keeps what it reported. Jobs are
kept in memory (the newest :data:`KEPT_JOBS`); their files stay in the work directory until pruned.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, Field

from graph_service.domain.measures import Catalog
from graph_service.errors import Conflict, InvalidInput, NotFound
from graph_service.services.workflow.authority import Decider
from graph_service.services.workflow.intake import LoadDoor
from graph_service.services.workflow.state import Policy
from graph_service.store.base import GraphStore
from loaders.csvio import Encoding
from loaders.pipeline import V1_FILES, load
from loaders.report import LoadReport

UploadFormat = Literal["v1", "court", "penalty"]
UPLOAD_FORMATS: tuple[str, ...] = get_args(UploadFormat)
UploadEncoding = Encoding
LoadState = Literal["running", "done", "failed"]
V1_NAMES = tuple(name for name, _ in V1_FILES)
PUBLIC_SUFFIXES = (".csv", ".jsonl", ".ndjson")
KEPT_JOBS = 50
REJECT_ROWS_SHOWN = 200  # reject rows in an answer; the rejects CSV holds them all


class FileSummary(BaseModel):
    """One file of a load, as the pipeline counted it."""

    file: str
    kind: str
    encoding: str
    read: int
    valid: int = Field(description="Dry run: rows that would be written")
    created: int
    updated: int
    unchanged: int
    rejected: int
    skipped: int = Field(description="Identical repeats of an earlier row of the same file")
    warnings: int


class RejectRow(BaseModel):
    """One row of the rejects file (cells already made safe for a spreadsheet)."""

    file: str
    line: str
    column: str
    value: str
    reason: str


class LoadSummary(BaseModel):
    """What a load did (or, dry run, would do)."""

    format: str
    dry_run: bool
    failure: str | None = Field(description="Why nothing could be loaded (unreadable file, missing column)")
    read: int
    loaded: int
    rejected: int
    warnings: int
    files: list[FileSummary]
    notes: list[str]
    rejects: list[RejectRow] = Field(description=f"The first {REJECT_ROWS_SHOWN} reject rows")


class LoadStatus(BaseModel):
    """A confirmed load: its progress while running, its summary once done."""

    load_id: str
    state: LoadState
    format: str
    file: str
    operator: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    bytes_total: int
    bytes_done: int
    read: int = Field(description="Records read (known once the load is done)")
    rejected: int
    failure: str | None = None
    summary: LoadSummary | None = None


@dataclass(frozen=True)
class Upload:
    """An uploaded export staged on disk: the path the pipeline loads and where its rejects go."""

    work: Path
    source: Path
    file: str
    fmt: UploadFormat
    encoding: UploadEncoding

    @property
    def rejects(self) -> Path:
        return self.work / "rejects.csv"

    @property
    def warnings(self) -> Path:
        return self.work / "warnings.csv"


def check_upload(fmt: str, file: str) -> None:
    """``InvalidInput`` unless ``file`` can be loaded as ``fmt`` (v1 files are known by their name)."""
    if fmt not in UPLOAD_FORMATS:
        raise InvalidInput.for_field("format", fmt, f"must be one of {', '.join(UPLOAD_FORMATS)}")
    name = Path(file).name
    if not name or name != file or name.startswith("."):
        raise InvalidInput.for_field("filename", file, "must be a plain file name")
    if fmt == "v1" and name not in V1_NAMES:
        raise InvalidInput.for_field("filename", file, f"format v1 files are named {', '.join(V1_NAMES)}")
    if fmt != "v1" and not name.lower().endswith(PUBLIC_SUFFIXES):
        raise InvalidInput.for_field("filename", file, f"must end in {', '.join(PUBLIC_SUFFIXES)}")


def stage(root: Path, fmt: UploadFormat, file: str, encoding: UploadEncoding) -> Upload:
    """A fresh work directory under ``root`` for one upload of ``file`` (checked by :func:`check_upload`).

    Format v1 is a directory of files: the upload goes into a directory of its own, alone.
    """
    check_upload(fmt, file)
    work = root / uuid.uuid4().hex
    folder = work / "source" if fmt == "v1" else work
    folder.mkdir(parents=True)
    source = folder / file
    return Upload(work=work, source=folder if fmt == "v1" else source, file=file, fmt=fmt, encoding=encoding)


def upload_file(upload: Upload) -> Path:
    """Where the uploaded bytes are written."""
    return upload.source / upload.file if upload.fmt == "v1" else upload.source


def summarise(report: LoadReport, rejects: Path) -> LoadSummary:
    """The pipeline's report and the first reject rows, as an answer."""
    files = [
        FileSummary(
            file=f.file,
            kind=f.kind,
            encoding=f.encoding,
            read=f.read,
            valid=f.valid,
            created=f.created,
            updated=f.updated,
            unchanged=f.unchanged,
            rejected=f.rejected,
            skipped=f.skipped,
            warnings=f.warnings,
        )
        for f in report.files
    ]
    return LoadSummary(
        format=report.format,
        dry_run=report.dry_run,
        failure=report.failure,
        read=report.read,
        loaded=sum(f.valid for f in report.files) if report.dry_run else report.loaded,
        rejected=report.rejected,
        warnings=report.warnings,
        files=files,
        notes=list(report.notes),
        rejects=read_rejects(rejects, REJECT_ROWS_SHOWN),
    )


def read_rejects(path: Path, limit: int) -> list[RejectRow]:
    """The first ``limit`` rows of a rejects file (none if it was not written)."""
    if not path.is_file():
        return []
    rows: list[RejectRow] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for record in csv.DictReader(handle):
            if len(rows) >= limit:
                break
            rows.append(RejectRow(**{k: record.get(k) or "" for k in RejectRow.model_fields}))
    return rows


class _Bytes:
    """The pipeline's progress port, counting bytes read across the load's files."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self._before = 0

    def start(self, label: str, total_bytes: int) -> None:
        self._before = self.done

    def advance(self, done_bytes: int) -> None:
        self.done = self._before + done_bytes

    def finish(self) -> None:
        pass


@dataclass
class LoadJob:
    """One confirmed load and what is known of it so far (fields written by its thread only)."""

    load_id: str
    upload: Upload
    operator: str
    started_at: dt.datetime
    decider: Decider | None = None
    progress: _Bytes = field(default_factory=_Bytes)
    state: LoadState = "running"
    finished_at: dt.datetime | None = None
    failure: str | None = None
    summary: LoadSummary | None = None

    def status(self) -> LoadStatus:
        summary = self.summary
        return LoadStatus(
            load_id=self.load_id,
            state=self.state,
            format=self.upload.fmt,
            file=self.upload.file,
            operator=self.operator,
            started_at=self.started_at,
            finished_at=self.finished_at,
            bytes_total=self.progress.total,
            bytes_done=min(self.progress.done, self.progress.total),
            read=summary.read if summary else 0,
            rejected=summary.rejected if summary else 0,
            failure=self.failure,
            summary=summary,
        )


class LoadJobs:
    """The loads of one running service: a dry run answered at once, a confirmed one in its own thread.

    ``now`` is the load's instant (the lifecycle's history records it); ``on_finish`` is called in the
    load's thread once it is done or failed (the API audits it there).
    """

    def __init__(
        self,
        store: GraphStore,
        catalog: Catalog,
        policy: Policy,
        work_dir: Path,
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._policy = policy
        self.work_dir = work_dir
        self._lock = threading.Lock()
        self._jobs: dict[str, LoadJob] = {}
        self._threads: dict[str, threading.Thread] = {}

    def stage(self, fmt: UploadFormat, file: str, encoding: UploadEncoding) -> Upload:
        """A work directory for one upload (see :func:`stage`)."""
        return stage(self.work_dir, fmt, file, encoding)

    def discard(self, upload: Upload) -> None:
        """Remove an upload's files (a dry run's, or one refused before it started)."""
        shutil.rmtree(upload.work, ignore_errors=True)

    def dry_run(
        self, upload: Upload, operator: str, now: dt.datetime, decider: Decider | None = None
    ) -> LoadSummary:
        """Validate ``upload`` and check its references; nothing is written. Its files are removed."""
        try:
            door = LoadDoor(self._catalog, self._policy, operator, now, decider=decider)
            report = self._run(upload, door, None, dry=True)
            return summarise(report, upload.rejects)
        finally:
            self.discard(upload)

    def start(
        self,
        upload: Upload,
        operator: str,
        now: dt.datetime,
        on_finish: Callable[[LoadJob], None] | None = None,
        decider: Decider | None = None,
        on_start: Callable[[LoadJob], None] | None = None,
    ) -> LoadJob:
        """Start loading ``upload`` in a thread; ``Conflict`` while another load is running."""
        with self._lock:
            running = [j for j in self._jobs.values() if j.state == "running"]
            if running:
                raise Conflict(
                    f"Load {running[0].load_id} ({running[0].upload.file}) is still running; one load "
                    "runs at a time. Wait for it to finish (GET /v1/loads/{id}) and send this one again.",
                    errors=[{"load_id": running[0].load_id, "state": "running"}],
                )
            job = LoadJob(
                load_id=upload.work.name, upload=upload, operator=operator, started_at=now, decider=decider
            )
            job.progress.total = _size(upload.source)
            self._jobs[job.load_id] = job
            self._prune()
            thread = threading.Thread(
                target=self._work, args=(job, on_finish), name=f"load-{job.load_id[:8]}", daemon=True
            )
            self._threads[job.load_id] = thread
        if on_start is not None:
            on_start(job)  # before the thread runs, so the start is recorded before the finish
        thread.start()
        return job

    def get(self, load_id: str) -> LoadJob:
        """A load by id; ``NotFound`` if this service never ran it (or has forgotten it)."""
        with self._lock:
            job = self._jobs.get(load_id)
        if job is None:
            raise NotFound(f"No load {load_id!r}: loads are kept until the service restarts.")
        return job

    def wait(self, load_id: str, timeout: float | None = None) -> LoadJob:
        """Wait for a load's thread to end (tests, shutdown); the job as it is then."""
        with self._lock:
            thread = self._threads.get(load_id)
        if thread is not None:
            thread.join(timeout)
        return self.get(load_id)

    def close(self, timeout: float = 30.0) -> None:
        """Wait (up to ``timeout`` seconds each) for running loads, so the store closes after them."""
        with self._lock:
            threads = list(self._threads.values())
        for thread in threads:
            thread.join(timeout)

    def _work(self, job: LoadJob, on_finish: Callable[[LoadJob], None] | None) -> None:
        try:
            door = LoadDoor(self._catalog, self._policy, job.operator, job.started_at, decider=job.decider)
            report = self._run(job.upload, door, job.progress, dry=False)
            job.summary = summarise(report, job.upload.rejects)
            job.failure = report.failure
        except Exception as exc:  # any failure is reported on the job: the thread has no caller to tell
            job.failure = f"the load stopped part-way: {exc}"
        job.finished_at = dt.datetime.now(dt.UTC)
        job.state = "failed" if job.failure else "done"
        if on_finish is not None:
            on_finish(job)

    def _run(self, upload: Upload, door: LoadDoor, progress: _Bytes | None, *, dry: bool) -> LoadReport:
        """:func:`loaders.pipeline.load`, called as ``graph-service load`` calls it."""
        return load(
            self._store,
            upload.source,
            fmt=upload.fmt,
            encoding=upload.encoding,
            dry_run=dry,
            rejects=upload.rejects,
            warnings=upload.warnings,
            progress=progress,
            door=door,
        )

    def _prune(self) -> None:
        """Forget the oldest finished jobs (and their files) beyond :data:`KEPT_JOBS`."""
        finished = [j for j in self._jobs.values() if j.state != "running"]
        for job in finished[: max(0, len(self._jobs) - KEPT_JOBS)]:
            del self._jobs[job.load_id]
            self._threads.pop(job.load_id, None)
            self.discard(job.upload)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file())
