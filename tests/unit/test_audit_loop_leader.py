"""record_durably: a lone coroutine's record written on the event loop, concurrent ones by the writer."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from pathlib import Path

import pytest

from graph_service.audit import AuditEvent, FileAuditLog, MemoryAuditLog
from graph_service.audit import base as audit_base
from graph_service.audit.file import ANCHOR_INTERVAL_S


def _event(n: int) -> AuditEvent:
    at = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC) + dt.timedelta(seconds=n)
    return AuditEvent(at=at, request_id=f"req{n}", client="county-approvals", role="approval", action="check")


class _Watched(MemoryAuditLog):
    """Remembers which thread wrote each batch and how many events; fails the first ``failures`` writes."""

    def __init__(self, *, failures: int = 0) -> None:
        self.writes: list[tuple[str, int]] = []
        self.failures = failures
        super().__init__()

    def _write_batch(self, events: list[AuditEvent]) -> None:
        if self.failures:
            self.failures -= 1
            raise OSError("disk gone")
        self.writes.append((threading.current_thread().name, len(events)))
        super()._write_batch(events)


def test_a_lone_coroutine_writes_its_record_on_the_event_loop_and_returns_it_durable() -> None:
    log = _Watched()

    async def lone() -> tuple[str, int]:
        await log.record_durably(_event(1))
        return threading.current_thread().name, len(log.query())

    try:
        loop_thread, stored = asyncio.run(lone())
    finally:
        log.close()

    assert log.writes == [(loop_thread, 1)], log.writes
    assert stored == 1


def test_coroutines_waiting_together_share_one_write_on_the_writer_thread() -> None:
    log = _Watched()

    async def together() -> str:
        await asyncio.gather(*(log.record_durably(_event(n)) for n in range(6)))
        return threading.current_thread().name

    try:
        loop_thread = asyncio.run(together())
        records = log.query()
        verified = log.verify()
    finally:
        log.close()

    assert [r.request_id for r in records] == [f"req{n}" for n in range(6)], records
    assert verified.ok, verified
    assert all(thread != loop_thread for thread, _ in log.writes), log.writes
    assert sum(count for _, count in log.writes) == 6 and len(log.writes) < 6, log.writes


def test_a_lone_coroutine_soon_after_others_waited_leaves_its_record_to_the_writer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(audit_base, "LONE_AFTER_BUSY_S", 60.0)
    log = _Watched()

    async def busy_then_lone() -> str:
        await asyncio.gather(*(log.record_durably(_event(n)) for n in range(3)))
        await log.record_durably(_event(3))
        return threading.current_thread().name

    try:
        loop_thread = asyncio.run(busy_then_lone())
    finally:
        log.close()

    assert log.writes and all(thread != loop_thread for thread, _ in log.writes), log.writes


def test_a_failed_write_on_the_loop_is_retried_by_the_writer_until_the_record_is_durable() -> None:
    log = _Watched(failures=2)

    async def lone() -> None:
        await log.record_durably(_event(1), timeout=20)

    try:
        asyncio.run(lone())
        verified = log.verify()
    finally:
        log.close()

    assert verified.ok and verified.count == 1, verified
    assert [count for _, count in log.writes] == [1], log.writes


class _AnchorWatched(FileAuditLog):
    """A file log that remembers which thread re-anchored and whether a write was running then."""

    def __init__(self, path: Path) -> None:
        self.anchors: list[tuple[str, bool]] = []
        self.anchored = threading.Event()
        super().__init__(path)

    def _anchor(self, seq: int, hash_: str) -> None:
        with self._lock:
            writing_elsewhere = self._writing and threading.current_thread() is not self._thread
        self.anchors.append((threading.current_thread().name, writing_elsewhere))
        super()._anchor(seq, hash_)
        self.anchored.set()


@pytest.mark.parametrize("lead", ["record_durably", "record_leading"])
def test_a_led_write_leaves_the_due_re_anchoring_to_the_writer_thread(tmp_path: Path, lead: str) -> None:
    """The anchor's two fsyncs never run on the caller's thread (for record_durably: the event loop)."""
    log = _AnchorWatched(tmp_path / "audit.jsonl")
    log.anchors.clear()  # opening anchors on the opening thread
    log.anchored.clear()
    log._anchored_at -= 2 * ANCHOR_INTERVAL_S  # the next batch finds the head due for re-anchoring

    async def lone() -> str:
        if lead == "record_durably":
            await log.record_durably(_event(1))
        else:
            assert log.record_leading(_event(1)) is None
        return threading.current_thread().name

    try:
        caller = asyncio.run(lone())
        assert log.anchored.wait(5), "the due anchor was not written"
        assert log.anchors == [(log._thread.name, False)], (caller, log.anchors)
    finally:
        log.close()
    assert FileAuditLog(tmp_path / "audit.jsonl", read_only=True).verify().ok
