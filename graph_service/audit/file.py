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
    canonical_json,
    link,
    verify_chain,
)
from graph_service.errors import Conflict

log = logging.getLogger(__name__)

_TAIL_CHUNK = 64 * 1024


#: The audit log's file in an embedded store's data dir.
AUDIT_FILE_NAME = "audit.jsonl"


class FileAuditLog(BatchingAuditLog):
    """Hash-chained audit records in a JSON-lines file (``data_dir/audit.jsonl``).

    Queries scan the file: fine for the embedded deployment's volumes, and the file stays greppable.
    """

    def __init__(self, path: Path, *, read_only: bool = False, batch_size: int = 500) -> None:
        super().__init__(read_only=read_only, batch_size=batch_size)
        self.path = path
        self._fh: BinaryIO | None = None
        self._seq, self._hash = 0, GENESIS_HASH
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
            self._seq, self._hash = self._open_head(fh)
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
        records = link(events, self._seq, self._hash)
        data = "".join(canonical_json(r.model_dump(mode="json")) + "\n" for r in records).encode("utf-8")
        start = self._fh.seek(0, os.SEEK_END)
        try:
            self._fh.write(data)
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError:
            # All or nothing: drop a partial batch so the retry does not leave a torn or doubled line.
            self._fh.truncate(start)
            raise
        self._seq, self._hash = records[-1].seq, records[-1].hash

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
        return verify_chain(self._raw_records())

    def _release(self) -> None:
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
        records = link(events, seq, prev)
        # Stored as canonical JSON, like the file, so verify sees exactly what was hashed.
        self._lines.extend(canonical_json(r.model_dump(mode="json")) for r in records)

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
