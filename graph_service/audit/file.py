"""Audit logs for the embedded store: a JSON-lines file, and a list for stores that have no data dir.

The file holds one record per line in canonical JSON. Each batch is appended with one write and fsynced
before the writer reports it durable. On open the last line gives the head, so appends after a restart
continue the chain. An exclusive ``flock`` keeps a second writer process from forking the chain.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from graph_service.audit.base import BatchingAuditLog
from graph_service.audit.model import (
    GENESIS_HASH,
    AuditEvent,
    AuditFilter,
    AuditRecord,
    VerifyResult,
    chain_lines,
    verify_chain,
)
from graph_service.errors import Conflict

log = logging.getLogger(__name__)

_TAIL_CHUNK = 64 * 1024
#: Longest the anchored head lags the durable records while the log is open.
ANCHOR_INTERVAL_S = 1.0


#: The audit log's file in an embedded store's data dir.
AUDIT_FILE_NAME = "audit.jsonl"


class FileAuditLog(BatchingAuditLog):
    """Hash-chained audit records in a JSON-lines file (``data_dir/audit.jsonl``).

    Queries scan the file: fine for the embedded deployment's volumes, and the file stays greppable.

    A bare chain cannot show that its newest records were cut off, so the head (last seq and hash) is
    anchored outside the file: ``audit.head`` beside it, replaced atomically (write, fsync, rename) right
    after every durable batch (once the batch's waiters are released, so a check does not wait for it).
    ``verify`` reports records missing after the anchored head, and a writer refuses to open a file
    shorter than its anchor. The anchor is renewed at most every :data:`ANCHOR_INTERVAL_S` (and at
    close), so it lags the file by at most that much after a crash; a writer re-anchors to the file
    then. (Someone who can rewrite the data dir can rewrite both: the Neo4j audit log keeps its head in
    the database instead.)
    """

    def __init__(self, path: Path, *, read_only: bool = False, batch_size: int = 500) -> None:
        super().__init__(read_only=read_only, batch_size=batch_size)
        self.path = path
        self.head_path = path.with_suffix(".head")
        self._fh: BinaryIO | None = None
        self._seq, self._hash = 0, GENESIS_HASH
        self._anchored_at = 0.0
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
            fh = path.open("a+b")
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                fh.close()
                raise Conflict(
                    f"audit log {path} is held by another process; only one writer may run"
                ) from exc
            self._fh = fh
            try:
                self._seq, self._hash = self._open_head(fh)
                self._check_anchor(self._seq)
            except BaseException:
                fh.close()
                self._fh = None
                raise
            self._anchor(self._seq, self._hash)
            self._start()

    def _open_head(self, fh: BinaryIO) -> tuple[int, str]:
        """The seq and hash of the last complete record; cuts off a torn line left by a crash mid-write."""
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return 0, GENESIS_HASH
        tail, start = _read_tail(fh, size)
        if not tail.endswith(b"\n"):
            # The batch containing this fragment was never reported durable, so nobody relied on it.
            cut = start + tail.rfind(b"\n") + 1
            log.warning("audit log %s ends in an incomplete line; cutting %d bytes", self.path, size - cut)
            fh.truncate(cut)
            os.fsync(fh.fileno())
            if cut == 0:
                return 0, GENESIS_HASH
            tail, start = _read_tail(fh, cut)
        last_line = tail.rstrip(b"\n").rsplit(b"\n", 1)[-1]
        try:
            last = json.loads(last_line)
            return int(last["seq"]), str(last["hash"])
        except (ValueError, KeyError, TypeError) as exc:
            raise Conflict(
                f"audit log {self.path} ends with an unreadable record; run `graph-service audit verify`"
            ) from exc

    def _write_batch(self, events: list[AuditEvent]) -> None:
        assert self._fh is not None
        lines, seq, hash_ = chain_lines(events, self._seq, self._hash)
        data = "".join(line + "\n" for line in lines).encode("utf-8")
        start = self._fh.seek(0, os.SEEK_END)
        try:
            self._fh.write(data)
            self._fh.flush()
            os.fdatasync(self._fh.fileno())  # the one flush a batch's waiters wait for
        except OSError:
            # All or nothing: drop a partial batch so the retry does not leave a torn or doubled line.
            self._fh.truncate(start)
            raise
        self._seq, self._hash = seq, hash_

    def _after_batch(self) -> None:
        # After the waiters are released, and at most every ANCHOR_INTERVAL_S: the anchor costs two
        # fsyncs, which would otherwise sit in front of the next check's own record on every batch.
        if self._after_batch_due():
            self._anchor(self._seq, self._hash)
            self._anchored_at = time.monotonic()

    def _after_batch_due(self) -> bool:
        return time.monotonic() - self._anchored_at >= ANCHOR_INTERVAL_S

    def _anchored(self) -> tuple[int, str] | None:
        """The anchored head, or None when there is no anchor (a log written before anchoring)."""
        try:
            raw = json.loads(self.head_path.read_bytes())
            return int(raw["seq"]), str(raw["hash"])
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as exc:
            raise Conflict(f"audit head {self.head_path} is unreadable: {exc}") from exc

    def _check_anchor(self, last_seq: int) -> None:
        anchored = self._anchored()
        if anchored is not None and anchored[0] > last_seq:
            raise Conflict(
                f"audit log {self.path} ends at seq {last_seq} but its head {self.head_path} says seq "
                f"{anchored[0]}: records were removed; run `graph-service audit verify` and restore the file"
            )

    def _anchor(self, seq: int, hash_: str) -> None:
        """Replace ``audit.head`` with (seq, hash), durably and atomically."""
        if seq == 0:
            return
        tmp = self.head_path.with_suffix(".head.tmp")
        with tmp.open("wb") as fh:
            fh.write(json.dumps({"seq": seq, "hash": hash_}).encode())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.head_path)
        dir_fd = os.open(self.head_path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _raw_records(self) -> Iterator[dict[str, Any] | None]:
        if not self.path.exists():
            return
        with self.path.open("rb") as fh:
            for line in fh:
                if not line.endswith(b"\n"):
                    return  # a batch being written right now by the running service: not yet a record
                if not line.strip():
                    continue
                try:
                    raw = json.loads(line)
                except ValueError:
                    yield None
                    continue
                yield raw if isinstance(raw, dict) else None

    def _select(self, flt: AuditFilter, limit: int) -> list[AuditRecord]:
        found: list[AuditRecord] = []
        for raw in self._raw_records():
            if raw is None:
                continue  # unreadable lines are verify's business; a query shows what can be read
            record = AuditRecord.model_validate(raw)
            if flt.matches(record):
                found.append(record)
                if len(found) == limit:
                    break
        return found

    def verify(self) -> VerifyResult:
        """Check the chain, then that it reaches the anchored head (no newest records cut off)."""
        last: list[tuple[int, str]] = []

        def remember(records: Iterator[dict[str, Any] | None]) -> Iterator[dict[str, Any] | None]:
            for raw in records:
                if raw is not None and "seq" in raw and "hash" in raw:
                    last[:] = [(raw["seq"], raw["hash"])]
                yield raw

        result = verify_chain(remember(self._raw_records()))
        anchored = self._anchored()
        if not result.ok or anchored is None:
            return result
        last_seq, last_hash = last[0] if last else (0, GENESIS_HASH)
        if anchored[0] > last_seq or (anchored[0] == last_seq and anchored[1] != last_hash):
            return VerifyResult(
                False,
                result.count,
                min(anchored[0], last_seq) + 1,
                f"the head says the chain ends at seq {anchored[0]}, the file's records end at "
                f"seq {last_seq}",
            )
        return result

    def _release(self) -> None:
        if self._fh is not None and not self._read_only:
            try:
                self._anchor(self._seq, self._hash)
            except OSError:
                log.exception("audit head %s not re-anchored at close", self.head_path)
        if self._fh is not None:
            self._fh.close()  # also releases the flock
            self._fh = None


def _read_tail(fh: BinaryIO, end: int) -> tuple[bytes, int]:
    """Bytes before ``end`` that hold at least the last complete line, and the offset they start at."""
    start = end
    chunk = b""
    while start > 0:
        start = max(0, start - _TAIL_CHUNK)
        fh.seek(start)
        chunk = fh.read(end - start)
        # Two newlines (or the file start) guarantee the last complete line is inside the chunk.
        if chunk.count(b"\n") >= 2:
            break
    return chunk, start


class MemoryAuditLog(BatchingAuditLog):
    """The same chain kept in a list: for an embedded store without a data dir (tests, demos)."""

    def __init__(self, *, batch_size: int = 500) -> None:
        super().__init__(batch_size=batch_size)
        self._lines: list[str] = []
        self._start()

    def _write_batch(self, events: list[AuditEvent]) -> None:
        seq, prev = (0, GENESIS_HASH) if not self._lines else _head_of(self._lines[-1])
        # Stored as canonical JSON, like the file, so verify sees exactly what was hashed.
        self._lines.extend(chain_lines(events, seq, prev)[0])

    def _select(self, flt: AuditFilter, limit: int) -> list[AuditRecord]:
        found: list[AuditRecord] = []
        for line in list(self._lines):
            record = AuditRecord.model_validate_json(line)
            if flt.matches(record):
                found.append(record)
                if len(found) == limit:
                    break
        return found

    def verify(self) -> VerifyResult:
        return verify_chain(json.loads(line) for line in list(self._lines))


def _head_of(line: str) -> tuple[int, str]:
    last = json.loads(line)
    return int(last["seq"]), str(last["hash"])
