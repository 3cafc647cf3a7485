"""record_leading: the calling thread writes the queue itself when the log is idle (group commit leader)."""

from __future__ import annotations

import datetime as dt
import threading

from graph_service.audit import AuditEvent, MemoryAuditLog


def _event(n: int) -> AuditEvent:
    at = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC) + dt.timedelta(seconds=n)
    return AuditEvent(at=at, request_id=f"req{n}", client="county-approvals", role="approval", action="check")


class _Watched(MemoryAuditLog):
    """Remembers which thread wrote each batch; fails the first ``failures`` writes; ``gate`` holds them."""

    def __init__(self, *, failures: int = 0) -> None:
        self.writers: list[str] = []
        self.sizes: list[int] = []
        self.failures = failures
        self.gate: threading.Event | None = None
        super().__init__()

    def _write_batch(self, events: list[AuditEvent]) -> None:
        if self.gate is not None:
            self.gate.wait(10)
        if self.failures:
            self.failures -= 1
            raise OSError("disk gone")
        self.writers.append(threading.current_thread().name)
        self.sizes.append(len(events))
        super()._write_batch(events)


def _until(condition: object) -> None:
    for _ in range(10_000):
        if callable(condition) and condition():
            return
        threading.Event().wait(0.001)
    raise AssertionError("condition not reached")


def test_a_lone_caller_writes_its_own_record_on_its_own_thread() -> None:
    log = _Watched()
    try:
        waiting = log.record_leading(_event(1))
        durable_at_return = log._written
        records = log.query(limit=10)
    finally:
        log.close()

    assert waiting is None
    assert durable_at_return == 1
    assert log.writers == [threading.current_thread().name]
    assert [r.request_id for r in records] == ["req1"]


def test_records_that_arrive_during_a_led_write_go_to_the_writer_thread_in_ticket_order() -> None:
    log = _Watched()
    gate = threading.Event()
    tickets: list[int | None] = []
    try:
        log.gate = gate
        first = threading.Thread(target=log.record_leading, args=(_event(0),), name="first")
        first.start()
        _until(lambda: log._writing)  # the first caller is inside its write, held at the gate
        tickets = [log.record_leading(_event(n)) for n in range(1, 6)]
        gate.set()
        first.join(10)
        log.wait_durable(5, timeout=10)
        records = log.query(limit=10)
        verified = log.verify()
    finally:
        gate.set()
        log.close()

    assert tickets == [2, 3, 4, 5, 6]
    assert log.sizes == [1, 5], log.sizes  # the five queued meanwhile share the next write
    assert log.writers == ["first", "_Watched-writer"], log.writers
    assert [r.request_id for r in records] == [f"req{n}" for n in range(6)]
    assert verified.ok, verified


def test_a_failed_led_write_returns_its_ticket_and_the_writer_thread_retries_it() -> None:
    log = _Watched(failures=1)
    try:
        waiting = log.record_leading(_event(1))
        assert waiting is not None
        log.wait_durable(waiting, timeout=10)
        records = log.query(limit=10)
        verified = log.verify()
    finally:
        log.close()

    assert waiting == 1
    assert log.writers == ["_Watched-writer"], log.writers  # the retry, after the caller's failure
    assert [r.request_id for r in records] == ["req1"]
    assert verified.ok, verified


def test_while_writes_fail_callers_queue_behind_the_retry_instead_of_leading() -> None:
    log = _Watched(failures=3)
    try:
        first = log.record_leading(_event(1))
        second = log.record_leading(_event(2))  # the log is failing: this one only queues
        log.flush(timeout=10)
        records = log.query(limit=10)
    finally:
        log.close()

    assert (first, second) == (1, 2)
    assert threading.current_thread().name not in log.writers, log.writers
    assert [r.request_id for r in records] == ["req1", "req2"]


class _Unstarted(_Watched):
    """Its writer thread starts only when the test says so (so a queue can build up first)."""

    def _start(self) -> None:
        pass

    def start_writer(self) -> None:
        super()._start()


def test_a_leader_whose_own_record_did_not_fit_its_batch_is_told_to_wait() -> None:
    log = _Unstarted()
    log._batch_size = 2
    try:
        queued = log.record_many([_event(n) for n in range(3)])
        waiting = log.record_leading(_event(3))  # leads a batch of the first two only
        written_then = log._written
        log.start_writer()
        assert waiting is not None
        log.wait_durable(waiting, timeout=10)
        records = log.query(limit=10)
    finally:
        log.close()

    assert (queued, waiting, written_then) == (3, 4, 2)
    assert [r.request_id for r in records] == [f"req{n}" for n in range(4)]
