"""Latency summaries and the facts about the machine a result was measured on."""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def percentile(sorted_values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by linear interpolation; ``sorted_values`` must be sorted and non-empty."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    position = (len(sorted_values) - 1) * q
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def summarize_ms(seconds: list[float]) -> dict[str, float]:
    """p50/p95/p99/max/mean in milliseconds, and the count, of a list of durations in seconds."""
    values = sorted(s * 1000.0 for s in seconds)
    return {
        "count": float(len(values)),
        "p50_ms": percentile(values, 0.50),
        "p95_ms": percentile(values, 0.95),
        "p99_ms": percentile(values, 0.99),
        "max_ms": values[-1],
        "mean_ms": sum(values) / len(values),
    }


def peak_rss_mb(pid: int) -> float | None:
    """Peak resident set (VmHWM) of a live process in MiB, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return None


def _output(args: list[str]) -> str | None:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False, cwd=REPO)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if done.returncode == 0 and text else None


def _ram_gib() -> float | None:
    for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024.0 / 1024.0, 1)
    return None


def machine_info() -> dict[str, Any]:
    """nproc, RAM, CPU model, load average, Python, git commit, UTC date (versions of servers added later)."""
    cpu = None
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    postgres = shutil.which("postgres") or _postgres_binary("postgres")
    return {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "nproc": os.cpu_count(),
        "ram_gib": _ram_gib(),
        "cpu": cpu,
        "load_average_at_start": list(os.getloadavg()),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "git_commit": _output(["git", "rev-parse", "HEAD"]),
        "git_dirty": bool(_output(["git", "status", "--porcelain"])),
        "postgres": _output([postgres, "--version"]) if postgres else None,
    }


def _postgres_binary(name: str) -> str | None:
    """A PostgreSQL server binary: on PATH, else Debian's versioned directory."""
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return None
