"""The writer lock of a data directory: one process writes, any number may read.

``fcntl.flock`` on ``<data_dir>/LOCK``, taken non-blocking, so a second writer fails at once instead of
waiting. The kernel drops the lock when the holder exits, even on a crash, so a stale LOCK file never blocks
a restart. The holder's pid is written into the file only to make the refusal message useful.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from graph_service.errors import Conflict

LOCK_NAME = "LOCK"


class DirLock:
    """An exclusive, non-blocking lock on a data directory, held until :meth:`release`."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_NAME
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            by = f" by process {holder}" if holder else " by another process"
            raise Conflict(
                f"data directory {data_dir} is already open for writing{by} (lock file {self.path}); "
                "stop that process or open the store read-only"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd: int | None = fd

    def release(self) -> None:
        """Drop the lock (idempotent). The file stays: deleting it would race with a new opener."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _read_pid(fd: int) -> str | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()
    except OSError:
        return None
    return text if text.isdigit() else None
