"""The audit port, and the background writer the durable implementations share.

Group commit: :meth:`AuditLog.record` only enqueues and returns a ticket; one background thread per log
takes everything that has queued up (at most ``batch_size``), chains it and stores it as one durable
batch (one fsync, one transaction). Events that arrive while a batch is being written form the next
one, so concurrent requests share a write and an event waits at most for the write in progress plus its
own (``linger_s`` may add a bounded wait for company). A caller that must not answer before its event
is durable waits for its ticket (:meth:`AuditLog.wait_durable`, or :meth:`AuditLog.durable` on an event
loop); a caller on a thread of its own may instead lead the write of its batch itself
(:meth:`BatchingAuditLog.record_leading`: no hand-off to the writer thread and back). A failed write
is retried with backoff (records are never dropped silently); :meth:`AuditLog.check` reports the
failure so readiness can turn red while it lasts.
"""

from __future__ import annotations

import abc
import asyncio
import collections
import datetime as dt
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Sequence

from graph_service.audit.model import AuditEvent, AuditFilter, AuditRecord, VerifyResult
from graph_service.errors import BackendUnavailable, Conflict, InvalidInput

log = logging.getLogger(__name__)

DEFAULT_FLUSH_TIMEOUT_S = 30.0
MAX_QUERY_LIMIT = 10_000
#: After other records were seen waiting, how long a coroutine's record keeps going to the writer thread
#: (group commit, the loop free) before a lone one is written on the loop (:meth:`record_durably`).
LONE_AFTER_BUSY_S = 0.05


class AuditLog(abc.ABC):
    """An append-only, hash-chained log of who asked what about whom, and what they were told."""

    @abc.abstractmethod
    def record(self, event: AuditEvent) -> int:
        """Queue an event for writing and return at once with its ticket (see :meth:`wait_durable`).

        Tickets grow in the order events are queued; an event is durable once its ticket is.
        """

    def record_many(self, events: Sequence[AuditEvent]) -> int:
        """Queue ``events`` in their order, as :meth:`record` does each; the ticket of the last one.

        A batch of checks records its events this way: queued at once, written in the writer's next
        batches. 0 with no events (nothing to wait for).
        """
        ticket = 0
        for event in events:
            ticket = self.record(event)
        return ticket

    @abc.abstractmethod
    def wait_durable(self, ticket: int, timeout: float | None = DEFAULT_FLUSH_TIMEOUT_S) -> None:
        """Block until the event of ``ticket`` (and every event queued before it) is durable.

        Raises ``BackendUnavailable`` if that does not happen within ``timeout`` seconds.
        """

    @abc.abstractmethod
    async def durable(self, ticket: int, timeout: float | None = DEFAULT_FLUSH_TIMEOUT_S) -> None:
        """:meth:`wait_durable` for a coroutine: waits without blocking the event loop."""

    def record_leading(self, event: AuditEvent) -> int | None:
        """:meth:`record`, for a caller on a thread of its own that may write the event itself.

        None: the event is durable already (written on the calling thread). Else its ticket, to wait
        for as after :meth:`record`. This default only records.
        """
        return self.record(event)

    async def record_durably(
        self, event: AuditEvent, timeout: float | None = DEFAULT_FLUSH_TIMEOUT_S
    ) -> None:
        """:meth:`record` then :meth:`durable`, for a coroutine; may write a lone event on the loop.

        The guarantees are those of the two calls. This default only records, then waits.
        """
        await self.durable(self.record(event), timeout)

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
    """Queue plus background group-commit writer; subclasses implement :meth:`_write_batch` and the reads.

    ``_write_batch`` receives events in arrival order and must store all of them or none (it is retried);
    :meth:`_after_batch` runs once they are reported durable (bookkeeping off the waiters' path).
    """

    def __init__(
        self,
        *,
        read_only: bool = False,
        batch_size: int = 500,
        max_pending: int = 100_000,
        linger_s: float = 0.0,
        close_timeout_s: float = DEFAULT_FLUSH_TIMEOUT_S,
    ) -> None:
        self._read_only = read_only
        self._close_timeout_s = close_timeout_s  # close(): the flush, then the writer's stop, each
        self._batch_size = batch_size
        self._max_pending = max_pending  # bounded: a long outage applies back-pressure, not memory growth
        self._linger_s = linger_s
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)  # durability waiters
        self._work = threading.Condition(self._lock)  # the writer: something queued, or stop
        self._room = threading.Condition(self._lock)  # recorders waiting for queue space
        self._pending: collections.deque[AuditEvent] = collections.deque()
        # (ticket, n, loop, future) of coroutines waiting in :meth:`durable`, smallest ticket first.
        self._waiters: list[_Waiter] = []
        self._waiter_ids = itertools.count()
        self._enqueued = 0
        self._written = 0
        self._error: Exception | None = None
        # A batch is being written (by the writer thread or a leading caller), or the writer thread
        # runs :meth:`_after_batch`: one at a time, so bookkeeping never reads a head a write moves.
        self._writing = False
        # A led write left :meth:`_after_batch` due: the writer thread runs it (never the caller's
        # thread, which may be the event loop; never beside a write).
        self._after_due = False
        # Until then a coroutine's record goes to the writer thread (other records waited lately).
        self._busy_until = 0.0
        self._closed = False
        self._stopping = False
        self._stop_retrying = threading.Event()
        # Under the lock: the writer thread has ended; close() left _release to whoever writes last.
        self._writer_ended = False
        self._release_deferred = False
        self._released = False
        self._thread = threading.Thread(target=self._run, name=f"{type(self).__name__}-writer", daemon=True)

    def _start(self) -> None:
        """Start the writer; subclasses call this once their storage is open."""
        if not self._read_only:
            self._thread.start()

    @abc.abstractmethod
    def _write_batch(self, events: list[AuditEvent]) -> None:
        """Chain ``events`` after the stored head and store them durably, all or nothing.

        Called for one batch at a time, on the writer thread or on a caller's (:meth:`record_leading`).
        """

    def _after_batch(self) -> None:  # noqa: B027 - optional hook
        """Work that follows a durable batch but need not delay its waiters (e.g. re-anchoring).

        Runs on the writer thread only, with no write in progress.
        """

    def _after_batch_due(self) -> bool:
        """Whether :meth:`_after_batch` has work now (asked after a led write; default: never)."""
        return False

    @abc.abstractmethod
    def _select(self, flt: AuditFilter, limit: int) -> list[AuditRecord]:
        """The first ``limit`` stored records that pass ``flt``, by seq."""

    def _release(self) -> None:  # noqa: B027 - optional hook
        """Close files and connections, once, when the writer has stopped.

        Called by :meth:`close`; or, if a write was still in progress when close() stopped waiting
        for it, by the thread that wrote once that write returns (never under it).
        """

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

    def record(self, event: AuditEvent) -> int:
        self._refuse_if_closed()
        with self._lock:
            ticket = self._enqueue_locked(event)
            self._work.notify()
            return ticket

    def record_leading(self, event: AuditEvent) -> int | None:
        """Queue ``event``; if no write is in progress, write the queue on this thread: None once durable.

        The caller leads the group commit when the log is idle: a lone check's record is written on
        its own worker thread, without waking the writer thread and being woken back. While a write
        is in progress the event queues for the writer thread's next batch as :meth:`record`'s do, and
        its ticket is returned to wait for; so is it if the led write fails (the batch goes back to
        the front of the queue and the writer thread retries it with backoff).
        """
        self._refuse_if_closed()
        with self._lock:
            ticket = self._enqueue_locked(event)
            if self._writing or self._error is not None or self._stopping:
                self._work.notify()
                return ticket
            self._writing = True
            batch = self._take_locked()
        if self._write_led(batch):
            with self._lock:
                if self._written >= ticket:
                    return None
        return ticket  # not written (yet): a full batch queued before it, or the write failed

    async def record_durably(
        self, event: AuditEvent, timeout: float | None = DEFAULT_FLUSH_TIMEOUT_S
    ) -> None:
        """Queue ``event`` and return once it is durable; a lone request's is written on the loop.

        A check on an in-memory store is answered on the event loop. Handing its record to the writer
        thread and being woken back costs two thread wake-ups and two GIL hand-offs on top of the
        write, and on a busy box each wake-up waits for a core. So when, after one turn of the loop
        (the requests ready now record theirs first), this event is the only one queued, nothing is
        being written, no other coroutine waits and none did within :data:`LONE_AFTER_BUSY_S`, it is
        written here, holding the loop for that one write. Otherwise the writer thread writes it with
        the others' (one write for all, the loop free meanwhile: holding it for every request's write
        halved the throughput of 8 clients). A failed write goes back to the writer thread, which
        retries it with backoff, and this waits for it as :meth:`durable` does.
        """
        self._refuse_if_closed()
        with self._lock:
            ticket = self._enqueue_locked(event)  # the writer is not woken: this may write it
        try:
            await asyncio.sleep(0)
        finally:
            with self._lock:
                now = time.monotonic()
                if self._writing or self._waiters or len(self._pending) > 1:
                    self._busy_until = now + LONE_AFTER_BUSY_S
                batch = None
                if (
                    now >= self._busy_until
                    and len(self._pending) == 1
                    and self._written == ticket - 1
                    and not self._writing
                    and self._error is None
                    and not self._stopping
                ):
                    self._writing = True
                    batch = self._take_locked()
                else:
                    self._work.notify()
        if batch is not None and self._write_led(batch):
            return  # the batch was this event alone
        await self.durable(ticket, timeout)

    def _refuse_if_closed(self) -> None:
        if self._read_only:
            raise Conflict("the audit log was opened read-only; it cannot record events")
        if self._closed:
            raise BackendUnavailable("the audit log is closed (the service is shutting down)")

    def _enqueue_locked(self, event: AuditEvent) -> int:
        while len(self._pending) >= self._max_pending:
            self._work.notify()
            self._room.wait()
        # Ticket and queue position are taken under one lock, so ticket order is write order.
        self._enqueued += 1
        self._pending.append(event)
        return self._enqueued

    def _hand_to_writer_locked(self) -> None:
        """Wake the writer thread if what queued in a led write (or a stop, or bookkeeping) is its to do."""
        if not self._writing and (self._pending or self._stopping or self._after_due):
            self._work.notify()

    def _take_locked(self) -> list[AuditEvent]:
        count = min(len(self._pending), self._batch_size)
        batch = [self._pending.popleft() for _ in range(count)]
        self._room.notify_all()
        return batch

    def _write_led(self, batch: list[AuditEvent]) -> bool:
        """Write ``batch`` on the calling thread; False if it failed (it is back for the writer thread)."""
        failure: BaseException | None = None
        try:
            self._write_batch(batch)
        except BaseException as exc:
            failure = exc
            log.exception("audit batch of %d records not written; the writer retries it", len(batch))
        with self._lock:
            if failure is None:
                ready = self._mark_written_locked(len(batch))
                self._writing = False
                self._after_due = self._after_due or self._after_batch_due()
                self._hand_to_writer_locked()
            else:
                ready = []
                self._pending.extendleft(reversed(batch))  # back at the front, in order
                self._error = failure if isinstance(failure, Exception) else RuntimeError(repr(failure))
                self._writing = False
                self._cond.notify_all()
                self._work.notify()
            release = self._take_release_locked()
        _wake(ready)
        if release:
            self._release()
        if failure is not None and not isinstance(failure, Exception):
            raise failure
        return failure is None

    def record_many(self, events: Sequence[AuditEvent]) -> int:
        if not events:
            return 0
        self._refuse_if_closed()
        with self._lock:
            for event in events:
                ticket = self._enqueue_locked(event)
            self._work.notify()
            return ticket

    def wait_durable(self, ticket: int, timeout: float | None = DEFAULT_FLUSH_TIMEOUT_S) -> None:
        with self._lock:
            if not self._cond.wait_for(lambda: self._written >= ticket, timeout):
                self._raise_not_durable(ticket, timeout)

    async def durable(self, ticket: int, timeout: float | None = DEFAULT_FLUSH_TIMEOUT_S) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self._written >= ticket:
                return
            heapq.heappush(self._waiters, (ticket, next(self._waiter_ids), loop, future))
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            with self._lock:
                self._raise_not_durable(ticket, timeout)

    def _raise_not_durable(self, ticket: int, timeout: float | None) -> None:
        pending = ticket - self._written
        raise BackendUnavailable(
            f"the audit log could not write {pending} pending records within {timeout}s: {self._error}"
        )

    def flush(self, timeout: float | None = DEFAULT_FLUSH_TIMEOUT_S) -> None:
        with self._lock:
            target = self._enqueued
        self.wait_durable(target, timeout)

    def check(self) -> None:
        with self._lock:
            if self._error is not None and self._enqueued > self._written:
                raise BackendUnavailable(f"the audit log cannot write: {self._error}")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._thread.is_alive():
            try:
                self.flush(self._close_timeout_s)
            except BackendUnavailable:
                log.error("audit records lost at shutdown", extra={"pending": self._enqueued - self._written})
                self._stop_retrying.set()
            with self._lock:
                self._stopping = True
                self._work.notify_all()
            self._thread.join(timeout=self._close_timeout_s)
        with self._lock:
            self._release_deferred = True
            if not self._take_release_locked():
                # Still inside a write (a hung server, a lock held elsewhere): releasing now would
                # close the session or file under it. The thread writing releases once it returns.
                log.error(
                    "the audit writer did not stop in %.1fs; it closes up after its write",
                    self._close_timeout_s,
                )
                self._stop_retrying.set()
                return
        self._release()

    def _take_release_locked(self) -> bool:
        """Whether the caller is to :meth:`_release` now: close() asked, and nothing writes any more."""
        writer_done = self._writer_ended or not self._thread.is_alive()
        if self._release_deferred and writer_done and not self._writing and not self._released:
            self._released = True
            return True
        return False

    def _next_batch(self) -> list[AuditEvent] | None:
        """Everything queued (up to ``batch_size``), once there is something; None to stop.

        Waits while a caller writes a batch itself (:meth:`record_leading`): one write at a time.

        An empty batch: nothing queued, but a led write left :meth:`_after_batch` due.
        """

        def ready() -> bool:
            return not self._writing and (bool(self._pending) or self._stopping or self._after_due)

        with self._lock:
            while True:
                self._work.wait_for(ready)
                if not self._pending:
                    if self._stopping:
                        return None
                    if self._after_due:
                        self._writing = True
                        return []
                    continue
                if self._linger_s > 0 and len(self._pending) < self._batch_size and not self._stopping:
                    deadline = time.monotonic() + self._linger_s
                    while len(self._pending) < self._batch_size and not self._stopping:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            break
                        self._work.wait(left)
                    if not ready() or not self._pending:
                        continue  # a caller took the queue while this lingered
                self._writing = True
                return self._take_locked()

    def _run(self) -> None:
        try:
            while (batch := self._next_batch()) is not None:
                if batch and not self._write_with_retry(batch):
                    return  # retrying stopped (shutdown gave up on the pending records)
                # Still marked writing: a leading caller queues for this thread meanwhile.
                self._after_batch_safely()
                with self._lock:
                    self._writing = False
                    self._after_due = False
        finally:
            with self._lock:
                self._writer_ended = True
                self._writing = False
                release = self._take_release_locked()
            if release:
                self._release()

    def _after_batch_safely(self) -> None:
        try:
            self._after_batch()
        except Exception:  # bookkeeping only; the next batch tries again
            log.exception("audit bookkeeping after a durable batch failed")

    def _write_with_retry(self, batch: list[AuditEvent]) -> bool:
        """Write ``batch``, retrying with backoff; False if retrying was stopped (shutdown)."""
        delay = 0.05
        while True:
            try:
                self._write_batch(batch)
            except Exception as exc:  # any storage failure: keep the batch, report, retry
                log.exception("audit batch of %d records not written; retrying in %.2fs", len(batch), delay)
                with self._lock:
                    self._error = exc
                    self._cond.notify_all()
                if self._stop_retrying.wait(delay):
                    return False
                delay = min(delay * 2, 5.0)
                continue
            with self._lock:
                ready = self._mark_written_locked(len(batch))
            _wake(ready)
            return True

    def _mark_written_locked(self, count: int) -> list[_Waiter]:
        """Count a durable batch of ``count``; the coroutines it makes ready (the writer ends the write)."""
        self._written += count
        self._error = None
        self._cond.notify_all()
        ready = []
        while self._waiters and self._waiters[0][0] <= self._written:
            ready.append(heapq.heappop(self._waiters))
        return ready


_Waiter = tuple[int, int, asyncio.AbstractEventLoop, asyncio.Future[None]]


def _wake(ready: list[_Waiter]) -> None:
    for _, _, loop, future in ready:
        try:
            loop.call_soon_threadsafe(_resolve, future)
        except RuntimeError:  # that loop has closed; nobody is waiting any more
            pass


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
