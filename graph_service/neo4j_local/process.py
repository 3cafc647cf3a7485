"""Pid file, liveness and ending exactly the process we started (never anything else)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from graph_service.neo4j_local.conf import SERVER_MAIN

# Servers started by this Python process. A child that exits stays a zombie (and still answers
# `kill -0`) until its parent reaps it, so liveness checks reap through these handles first.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def remember_child(process: subprocess.Popen[bytes]) -> None:
    _CHILDREN[process.pid] = process


def read_pid(pid_file: Path) -> int | None:
    """The pid in ``pid_file``; a missing or garbled file means no pid."""
    try:
        text = pid_file.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() and int(text) > 0 else None


def write_pid(pid_file: Path, pid: int) -> None:
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = pid_file.with_suffix(".tmp")
    tmp.write_text(f"{pid}\n", encoding="ascii")
    tmp.replace(pid_file)  # atomic: a concurrent reader sees the old file or the new one, never half


def remove_pid(pid_file: Path) -> None:
    pid_file.unlink(missing_ok=True)


def is_alive(pid: int) -> bool:
    """True while ``pid`` runs (zombies count as dead)."""
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:
        del _CHILDREN[pid]
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but another user's: is_our_server() then tells it is not ours
        return True
    return _proc_state(pid) != "Z"


def is_our_server(pid: int, home: Path) -> bool:
    """True if ``pid`` is a Neo4j entry point running with ``--home-dir=home``.

    Guards against pid reuse: after a reboot the pid in a stale pid file may belong to anything.
    """
    args = command_args(pid)
    return args is not None and SERVER_MAIN in args and f"--home-dir={home}" in args


def command_args(pid: int) -> list[str] | None:
    """The argv of ``pid`` (exact from /proc on Linux, split on blanks from ``ps`` elsewhere), or None."""
    proc = Path(f"/proc/{pid}/cmdline")
    if Path("/proc/self").is_dir():
        try:
            raw = proc.read_bytes()
        except OSError:
            return None
        return [arg.decode(errors="replace") for arg in raw.split(b"\0") if arg] or None
    done = subprocess.run(
        ["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    return done.stdout.split() or None


def terminate(pid: int, timeout_s: float) -> bool:
    """SIGTERM ``pid`` (Neo4j then checkpoints and exits) and wait; SIGKILL after ``timeout_s``.

    Returns True if the process ended on SIGTERM, False if it had to be killed.
    """
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if wait_for_exit(pid, timeout_s):
        return True
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    wait_for_exit(pid, 10.0)
    return False


def wait_for_exit(pid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while is_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    _CHILDREN.pop(pid, None)
    return True


def _proc_state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The state follows the parenthesised command name, which may itself contain spaces or parentheses.
    return stat.rsplit(")", 1)[1].split()[0]
