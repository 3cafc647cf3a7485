"""The API under test: ``graph-service serve`` as a child process on a free loopback port."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

from benchmarks.stats import REPO, peak_rss_mb
from benchmarks.workload import Connection


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


RATE_LIMIT_PER_MINUTE = 0  # 0 turns the limiter off


def _command() -> str:
    """The ``graph-service`` script of the interpreter running the benchmark (the project's venv)."""
    script = Path(sys.executable).parent / "graph-service"
    if not script.exists():
        raise RuntimeError(f"no graph-service script next to {sys.executable}: pip install -e '.[bench]'")
    return str(script)


class ApiServer:
    """``graph-service serve`` with a generated approval key; ``env`` selects the backend.

    Used as a context manager: started and ready on entry, terminated on exit (its peak RSS is read
    before it is stopped, since /proc forgets a process once it has been reaped).
    """

    def __init__(self, env: dict[str, str], log_file: Path, max_body_bytes: int) -> None:
        self.api_key = secrets.token_urlsafe(24)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._env = {
            **os.environ,
            **env,
            "GRAPH_SERVICE_API_KEYS": json.dumps({self.api_key: {"role": "approval", "name": "benchmark"}}),
            "GRAPH_SERVICE_MAX_BODY_BYTES": str(max_body_bytes),
            # The per-key rate limit protects production from one caller; here it would cap the very
            # throughput being measured.
            "GRAPH_SERVICE_RATE_LIMIT_PER_MINUTE": str(RATE_LIMIT_PER_MINUTE),
        }
        self._log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None
        self.peak_rss_mb: float | None = None

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("the API server is not running")
        return self._process.pid

    def __enter__(self) -> ApiServer:
        self._log_file.parent.mkdir(parents=True, exist_ok=True)
        with self._log_file.open("wb") as log:
            self._process = subprocess.Popen(
                [
                    _command(),
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "warning",
                ],
                cwd=REPO,
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_ready(timeout_s=600.0)
        return self

    def _wait_ready(self, timeout_s: float) -> None:
        # An embedded store replays its data dir on start, which takes a while at large scales.
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                tail = self._log_file.read_text(encoding="utf-8", errors="replace")[-2000:]
                raise RuntimeError(f"graph-service serve exited with {self._process.returncode}:\n{tail}")
            try:
                if httpx.get(f"{self.base_url}/health/ready", timeout=5.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"graph-service serve was not ready within {timeout_s:.0f} s")

    def connection(self) -> Connection:
        """A keep-alive ``http.client`` connection carrying the key (what latency and throughput use)."""
        return Connection(self.port, {"X-API-Key": self.api_key})

    def client(self) -> httpx.Client:
        """A keep-alive httpx client carrying the key (the batch, whose one large answer it decodes)."""
        return httpx.Client(base_url=self.base_url, headers={"X-API-Key": self.api_key}, timeout=600.0)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._process is None:
            return
        self.peak_rss_mb = peak_rss_mb(self._process.pid)
        self._process.terminate()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=30)
