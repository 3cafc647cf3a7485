"""Start, stop and inspect one local Neo4j server living under a home directory."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from graph_service.neo4j_local import process
from graph_service.neo4j_local.bolt import bolt_answers, port_is_free
from graph_service.neo4j_local.conf import (
    admin_environment,
    render_conf,
    server_command,
    set_initial_password_command,
)
from graph_service.neo4j_local.errors import LauncherError
from graph_service.neo4j_local.options import ADMIN_USER, LaunchOptions
from graph_service.neo4j_local.prereqs import ensure_jars, find_java

_POLL_S = 0.25


class State(StrEnum):
    RUNNING = "running"
    NOT_RUNNING = "not running"
    UNHEALTHY = "unhealthy"  # our process is alive but Bolt does not answer (starting, or stuck)


@dataclass(frozen=True)
class Status:
    state: State
    pid: int | None
    bolt_uri: str
    message: str


@dataclass(frozen=True)
class StartResult:
    pid: int
    bolt_uri: str
    already_running: bool
    seconds: float  # from launching java to Bolt accepting our password; 0 when it was already running

    @property
    def message(self) -> str:
        if self.already_running:
            return f"Neo4j is already running (pid {self.pid}) on {self.bolt_uri}; nothing to do"
        return f"Neo4j started (pid {self.pid}) on {self.bolt_uri} in {self.seconds:.1f} s"


@dataclass(frozen=True)
class StopResult:
    pid: int | None
    was_running: bool
    message: str


class LocalNeo4j:
    """One server under ``options.home``: a pid file, a generated conf, data that survives restarts.

    Every method is safe to call in any state; ``start`` and ``stop`` take a lock file so that two
    commands racing on the same home cannot start two servers or stop a half-started one.
    """

    def __init__(self, options: LaunchOptions, echo: Callable[[str], None] | None = None) -> None:
        self.options = options
        self._echo = echo or (lambda _message: None)
        self._log_marks: dict[Path, int] = {}

    # ---- queries ---------------------------------------------------------------------------------
    def status(self) -> Status:
        """Running means both: the pid in the pid file is our server, and Bolt answers on its port."""
        o = self.options
        pid = process.read_pid(o.pid_file)
        if pid is not None and self._is_ours(pid):
            if bolt_answers(o.bolt_port):
                return Status(State.RUNNING, pid, o.bolt_uri, f"Neo4j is running (pid {pid}) on {o.bolt_uri}")
            return Status(
                State.UNHEALTHY,
                pid,
                o.bolt_uri,
                f"Neo4j process {pid} is alive but Bolt does not answer on {o.bolt_uri} "
                f"(still starting, or stuck: see {o.neo4j_log})",
            )
        stale = f" (stale pid file for pid {pid})" if pid is not None else ""
        other = (
            f"; another Bolt server answers on port {o.bolt_port}, not one started from {o.home}"
            if bolt_answers(o.bolt_port)
            else ""
        )
        return Status(
            State.NOT_RUNNING, None, o.bolt_uri, f"Neo4j is not running from {o.home}{stale}{other}"
        )

    # ---- commands --------------------------------------------------------------------------------
    def start(self) -> StartResult:
        """Start the server in the background and return once Bolt accepts the configured password.

        Already running: starts nothing (but waits for Bolt if that server is still starting). On
        failure the half-started process is ended, the pid file removed, and the error carries the
        tail of the logs.
        """
        o = self.options
        with self._locked():
            pid = self._our_pid()
            if pid is not None:
                self._wait_for_running_server(pid)
                return StartResult(pid, o.bolt_uri, already_running=True, seconds=0.0)
            password = o.require_password()
            java = find_java(o.java)
            ensure_jars(o, self._echo)
            self._require_free_ports()
            for directory in (o.conf_dir, o.data_dir, o.logs_dir, o.run_dir):
                directory.mkdir(parents=True, exist_ok=True)
            o.conf_file.write_text(render_conf(o), encoding="utf-8")
            if not (o.data_dir / "databases" / "system").exists():
                self._set_initial_password(java, password)
            began = time.monotonic()
            child = self._launch(java)
            try:
                self._wait_until_ready(child, password, began)
            except BaseException:
                process.terminate(child.pid, 15.0)
                process.remove_pid(o.pid_file)
                raise
            return StartResult(child.pid, o.bolt_uri, already_running=False, seconds=time.monotonic() - began)

    def stop(self) -> StopResult:
        """End the server this home's pid file names, and only it; wait until the process is gone."""
        o = self.options
        with self._locked():
            pid = process.read_pid(o.pid_file)
            if pid is None:
                return StopResult(
                    None, False, f"Neo4j is not running from {o.home} (no pid file); nothing to stop"
                )
            if not self._is_ours(pid):
                process.remove_pid(o.pid_file)
                return StopResult(
                    pid, False, f"Neo4j is not running from {o.home}; removed the stale pid file (pid {pid})"
                )
            began = time.monotonic()
            clean = process.terminate(pid, o.stop_timeout_s)
            if process.is_alive(pid):
                raise LauncherError(f"Neo4j (pid {pid}) did not exit even after SIGKILL; pid file kept")
            process.remove_pid(o.pid_file)
            how = "" if clean else f" (killed: it did not stop within {o.stop_timeout_s:.0f} s)"
            return StopResult(
                pid, True, f"Neo4j stopped (pid {pid}) in {time.monotonic() - began:.1f} s{how}"
            )

    # ---- steps -----------------------------------------------------------------------------------
    def _is_ours(self, pid: int) -> bool:
        return process.is_alive(pid) and process.is_our_server(pid, self.options.home)

    def _our_pid(self) -> int | None:
        pid = process.read_pid(self.options.pid_file)
        if pid is not None and self._is_ours(pid):
            return pid
        process.remove_pid(self.options.pid_file)
        return None

    def _wait_for_running_server(self, pid: int) -> None:
        """Our process already runs: give a server whose start was cut short the start timeout to answer."""
        o = self.options
        deadline = time.monotonic() + o.start_timeout_s
        while not bolt_answers(o.bolt_port):
            if not process.is_alive(pid):
                raise LauncherError(f"Neo4j (pid {pid}) exited while starting; see {o.neo4j_log}")
            if time.monotonic() > deadline:
                raise LauncherError(
                    f"Neo4j (pid {pid}) runs but Bolt does not answer on {o.bolt_uri}; see {o.neo4j_log}, "
                    "or end it with `graph-service neo4j stop`"
                )
            time.sleep(_POLL_S)

    def _require_free_ports(self) -> None:
        o = self.options
        for name, port in (
            ("GRAPH_SERVICE_NEO4J_BOLT_PORT", o.bolt_port),
            ("GRAPH_SERVICE_NEO4J_HTTP_PORT", o.http_port),
        ):
            if port is not None and not port_is_free(port):
                raise LauncherError(
                    f"port {port} on 127.0.0.1 is already in use by another program, so Neo4j from {o.home} "
                    f"cannot listen there; stop that program or choose another port with {name}"
                )

    def _set_initial_password(self, java: str, password: str) -> None:
        o = self.options
        self._echo(f"First start under {o.home}: setting the initial password of user {ADMIN_USER!r}")
        done = subprocess.run(
            set_initial_password_command(o, java, password),
            env=admin_environment(o),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            output = (done.stdout + done.stderr).replace(password, "***")
            raise LauncherError(
                f"neo4j-admin dbms set-initial-password failed (exit code {done.returncode}):\n"
                f"{output.strip()}"
            )

    def _launch(self, java: str) -> subprocess.Popen[bytes]:
        o = self.options
        self._log_marks = {log: log.stat().st_size for log in (o.console_log, o.neo4j_log) if log.is_file()}
        with o.console_log.open("ab") as log:
            stamp = dt.datetime.now().isoformat(timespec="seconds")
            log.write(f"\n=== graph-service neo4j start {stamp}\n".encode())
            log.flush()
            child = subprocess.Popen(
                server_command(o, java),
                cwd=o.home,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own session: Ctrl-C in the terminal that ran `start` must not reach the server,
                # and the server outlives the command that started it.
                start_new_session=True,
            )
        process.remember_child(child)
        process.write_pid(o.pid_file, child.pid)
        return child

    def _wait_until_ready(self, child: subprocess.Popen[bytes], password: str, began: float) -> None:
        o = self.options
        deadline = began + o.start_timeout_s
        while not bolt_answers(o.bolt_port):
            if child.poll() is not None:
                raise LauncherError(
                    f"Neo4j exited with code {child.returncode} while starting.\n{self._log_tail()}"
                )
            if time.monotonic() > deadline:
                raise LauncherError(
                    f"Neo4j did not answer Bolt on {o.bolt_uri} within {o.start_timeout_s:.0f} s "
                    f"(GRAPH_SERVICE_NEO4J_START_TIMEOUT_S).\n{self._log_tail()}"
                )
            time.sleep(_POLL_S)
        self._check_password(password, deadline)

    def _check_password(self, password: str, deadline: float) -> None:
        """Bolt answering is not enough: a home initialised earlier may hold another password."""
        o = self.options
        with GraphDatabase.driver(o.bolt_uri, auth=(ADMIN_USER, password)) as driver:
            while True:
                try:
                    # False (not an exception) is how the driver reports a refused password.
                    accepted = driver.verify_authentication()
                except (ServiceUnavailable, SessionExpired, Neo4jError) as exc:
                    if time.monotonic() > deadline:
                        raise LauncherError(
                            f"Neo4j answers Bolt on {o.bolt_uri} but could not log in before the start "
                            f"timeout: {exc}\n{self._log_tail()}"
                        ) from exc
                    time.sleep(_POLL_S)
                    continue
                if accepted:
                    return
                raise LauncherError(
                    f"Neo4j under {o.home} refused the password in GRAPH_SERVICE_NEO4J_PASSWORD: its data "
                    f"was initialised with another one, so it was stopped again. Set that password, or "
                    f"delete {o.data_dir} to start empty with the new one."
                )

    def _log_tail(self, lines: int = 25) -> str:
        """The last lines each log gained since this start began (older runs would only mislead)."""
        parts = []
        for log in (self.options.console_log, self.options.neo4j_log):
            if not log.is_file():
                continue
            with log.open("rb") as handle:
                handle.seek(min(self._log_marks.get(log, 0), log.stat().st_size))
                new = handle.read().decode("utf-8", errors="replace").splitlines()
            tail = [line for line in new if line.strip()][-lines:]
            if tail:
                parts.append(f"--- last {len(tail)} lines of {log} ---\n" + "\n".join(tail))
        return "\n".join(parts) or f"(the logs under {self.options.logs_dir} say nothing about this start)"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.options.run_dir.mkdir(parents=True, exist_ok=True)
        with (self.options.run_dir / "launcher.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
