"""The audit port, and the background writer the durable implementations share.

Recording must not slow down the check path, so :meth:`AuditLog.record` only enqueues; one background
thread per log takes whatever has queued up, chains it and writes it as one durable batch. A failed write
is retried with backoff (records are never dropped silently); :meth:`AuditLog.check` reports the failure
so readiness can turn red while it lasts.
"""

from __future__ import annotations

import abc
import datetime as dt
import logging
import queue
import threading

from graph_service.audit.model import AuditEvent, AuditFilter, AuditRecord, VerifyResult
from graph_service.errors import BackendUnavailable, Conflict, InvalidInput

log = logging.getLogger(__name__)

DEFAULT_FLUSH_TIMEOUT_S = 30.0
MAX_QUERY_LIMIT = 10_000


class AuditLog(abc.ABC):
    """An append-only, hash-chained log of who asked what about whom, and what they were told."""

    @abc.abstractmethod
    def record(self, event: AuditEvent) -> None:
        """Queue an event for writing and return at once; it becomes durable shortly after (see flush)."""

    @abc.abstractmethod
    def query(
        self,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        subject_id: str | None = None,
        client: str | None = None,
        action: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[AuditRecord]:
        """Stored records with ``since <= at < until`` and the given fields, ``seq > after``, oldest first.

        Pending records are flushed first, so a caller sees its own earlier events.
        """

    @abc.abstractmethod
    def verify(self) -> VerifyResult:
        """Walk the whole chain and report the first record that was changed, inserted or removed."""

    @abc.abstractmethod
    def flush(self, timeout: float | None = DEFAULT_FLUSH_TIMEOUT_S) -> None:
        """Block until every event recorded before the call is durable.

        Raises ``BackendUnavailable`` if that does not happen within ``timeout`` seconds.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Flush, stop the writer and release files and connections."""

    def check(self) -> None:  # noqa: B027 - a working default, not an abstract hook
        """Raise ``BackendUnavailable`` while the log cannot write (used by the readiness probe)."""


class BatchingAuditLog(AuditLog):
    """Queue plus background writer; subclasses implement :meth:`_write_batch` and the reads.

    ``_write_batch`` receives events in arrival order and must store all of them or none (it is retried).
    """

    def __init__(self, *, read_only: bool = False, batch_size: int = 500, max_pending: int = 100_000) -> None:
        self._read_only = read_only
        self._batch_size = batch_size
        # Bounded so a long backend outage applies back-pressure instead of exhausting memory.
        self._queue: queue.Queue[AuditEvent | None] = queue.Queue(max_pending)
        self._cond = threading.Condition()
        self._enqueued = 0
        self._written = 0
        self._error: Exception | None = None
        self._closed = False
        self._stop_retrying = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"{type(self).__name__}-writer", daemon=True)

    def _start(self) -> None:
        """Start the writer; subclasses call this once their storage is open."""
        if not self._read_only:
            self._thread.start()

    @abc.abstractmethod
    def _write_batch(self, events: list[AuditEvent]) -> None:
        """Chain ``events`` after the stored head and store them durably, all or nothing."""

    @abc.abstractmethod
    def _select(self, flt: AuditFilter, limit: int) -> list[AuditRecord]:
        """The first ``limit`` stored records that pass ``flt``, by seq."""

    def _release(self) -> None:  # noqa: B027 - optional hook
        """Close files and connections (called once by :meth:`close` after the writer stopped)."""

    # ---- reading ------------------------------------------------------------------------------------

    def query(
        self,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        subject_id: str | None = None,
        client: str | None = None,
        action: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[AuditRecord]:
        for name, value in (("since", since), ("until", until)):
            if value is not None and value.utcoffset() is None:
                raise InvalidInput.for_field(name, value.isoformat(), "must carry a UTC offset, e.g. Z")
        if since is not None and until is not None and since >= until:
            reason = f"must be after since ({since.isoformat()})"
            raise InvalidInput.for_field("until", until.isoformat(), reason)
        if not 1 <= limit <= MAX_QUERY_LIMIT:
            raise InvalidInput.for_field("limit", limit, f"must be between 1 and {MAX_QUERY_LIMIT}")
        if not self._read_only:
            self.flush()
        flt = AuditFilter(since, until, subject_id, client, action, after)
        return self._select(flt, limit)

    # ---- writing ------------------------------------------------------------------------------------

    def record(self, event: AuditEvent) -> None:
        if self._read_only:
            raise Conflict("the audit log was opened read-only; it cannot record events")
        if self._closed:
            raise BackendUnavailable("the audit log is closed (the service is shutting down)")
        with self._cond:
            self._enqueued += 1
        self._queue.put(event)

    def flush(self, timeout: float | None = DEFAULT_FLUSH_TIMEOUT_S) -> None:
        with self._cond:
            target = self._enqueued
            done = self._cond.wait_for(lambda: self._written >= target, timeout)
            if not done:
                pending = target - self._written
                raise BackendUnavailable(
                    f"the audit log could not write {pending} pending records within {timeout}s: "
                    f"{self._error}"
                )

    def check(self) -> None:
        with self._cond:
            if self._error is not None and self._enqueued > self._written:
                raise BackendUnavailable(f"the audit log cannot write: {self._error}")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._thread.is_alive():
            try:
                self.flush()
            except BackendUnavailable:
                log.error("audit records lost at shutdown", extra={"pending": self._enqueued - self._written})
                self._stop_retrying.set()
            self._queue.put(None)
            self._thread.join(timeout=DEFAULT_FLUSH_TIMEOUT_S)
        self._release()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, stop = [first], False
            while len(batch) < self._batch_size:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._write_with_retry(batch)
            if stop:
                return

    def _write_with_retry(self, batch: list[AuditEvent]) -> None:
        delay = 0.05
        while True:
            try:
                self._write_batch(batch)
            except Exception as exc:  # any storage failure: keep the batch, report, retry
                log.exception("audit batch of %d records not written; retrying in %.2fs", len(batch), delay)
                with self._cond:
                    self._error = exc
                    self._cond.notify_all()
                if self._stop_retrying.wait(delay):
                    return
                delay = min(delay * 2, 5.0)
                continue
            with self._cond:
                self._written += len(batch)
                self._error = None
                self._cond.notify_all()
            return
