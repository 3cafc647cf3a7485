"""`graph-service neo4j start|stop|status` against a real Neo4j 5.26 run from the shared jars.

Each test gets its own home under tmp_path and a free port from 7699 up, so it collides neither with the
developer's server (7687), the test server (7697) nor other helpers' servers; the launcher's own
stop ends every server a test started, even when an assertion failed first.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from graph_service.neo4j_local import LauncherError, LaunchOptions, LocalNeo4j, PrerequisiteMissing
from graph_service.neo4j_local.bolt import bolt_answers, port_is_free
from graph_service.neo4j_local.conf import SERVER_MAIN
from graph_service.neo4j_local.launcher import State
from graph_service.neo4j_local.prereqs import find_java, has_jars
from graph_service.neo4j_local.process import is_alive
from tests._neo4j import REPO, SHARED_LIB, skip_or_fail

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

PASSWORD = "launcher-test-pw"
CLI = Path(sys.executable).with_name("graph-service")


@pytest.fixture(scope="module")
def jars() -> Path:
    """The shared jar dir, after checking Java and the jars are there (skip loudly, or fail if required)."""
    try:
        find_java("java")
    except PrerequisiteMissing as exc:
        skip_or_fail(exc.detail)
    if not has_jars(SHARED_LIB):
        skip_or_fail(f"no Neo4j jars in {SHARED_LIB} (run `make test` or `graph-service neo4j start` once)")
    return SHARED_LIB


@pytest.fixture
def launcher(tmp_path: Path, jars: Path) -> Iterator[LocalNeo4j]:
    options = LaunchOptions(
        home=tmp_path / "home",
        lib_dir=jars,
        bolt_port=free_port(),
        heap="256m",
        pagecache="32m",
        password=PASSWORD,
    )
    server = LocalNeo4j(options)
    yield server
    server.stop()


def free_port(first: int = 7699, last: int = 7799) -> int:
    for port in range(first, last + 1):
        if port_is_free(port) and not bolt_answers(port, timeout_s=0.2):
            return port
    raise AssertionError(f"no free port in {first}..{last}")


def pinned_version() -> str:
    pom = (REPO / "tools" / "neo4j" / "pom.xml").read_text()
    found = re.search(r"<neo4j.version>([^<]+)</neo4j.version>", pom)
    assert found, "tools/neo4j/pom.xml has no <neo4j.version>"
    return found.group(1)


def servers_running_from(home: Path) -> list[int]:
    """Pids of every Neo4j entry point on this machine whose --home-dir is ``home``."""
    if not Path("/proc/self").is_dir():
        pytest.skip("process listing needs /proc")
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0") if entry.name.isdigit() else []
        except OSError:
            continue
        if SERVER_MAIN.encode() in args and f"--home-dir={home}".encode() in args:
            pids.append(int(entry.name))
    return pids


def query(
    options: LaunchOptions, cypher: str, password: str = PASSWORD, **params: object
) -> list[dict[str, object]]:
    with GraphDatabase.driver(options.bolt_uri, auth=("neo4j", password)) as driver:
        records, _, _ = driver.execute_query(cypher, params, database_="neo4j")
    return [record.data() for record in records]


def cli(options: LaunchOptions, *args: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("GRAPH_SERVICE_")}
    env |= {
        "GRAPH_SERVICE_NEO4J_HOME": str(options.home),
        "GRAPH_SERVICE_NEO4J_LIB_DIR": str(options.lib_dir),
        "GRAPH_SERVICE_NEO4J_BOLT_PORT": str(options.bolt_port),
        "GRAPH_SERVICE_NEO4J_HEAP": options.heap,
        "GRAPH_SERVICE_NEO4J_PAGECACHE": options.pagecache,
        "GRAPH_SERVICE_NEO4J_PASSWORD": PASSWORD,
    }
    return subprocess.run(
        [str(CLI), "neo4j", *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_started_server_answers_cypher_and_stop_leaves_no_process(launcher: LocalNeo4j) -> None:
    started = launcher.start()
    assert not started.already_running and is_alive(started.pid), started
    components = query(
        launcher.options, "CALL dbms.components() YIELD versions, edition RETURN versions, edition"
    )
    assert components == [{"versions": [pinned_version()], "edition": "community"}], components
    assert query(launcher.options, "RETURN 1 AS one") == [{"one": 1}]

    stopped = launcher.stop()

    assert (stopped.pid, stopped.was_running) == (started.pid, True), stopped
    assert not is_alive(started.pid) and servers_running_from(launcher.options.home) == []
    assert not launcher.options.pid_file.exists()
    assert launcher.status().state is State.NOT_RUNNING and not bolt_answers(launcher.options.bolt_port)


def test_cli_start_twice_runs_one_server_and_stop_twice_is_not_an_error(launcher: LocalNeo4j) -> None:
    options = launcher.options
    first = cli(options, "start")
    assert first.returncode == 0 and "Neo4j started" in first.stdout, first
    second = cli(options, "start")
    assert second.returncode == 0 and "already running" in second.stdout, second
    pids = servers_running_from(options.home)
    assert len(pids) == 1 and f"pid {pids[0]}" in second.stdout, (pids, second.stdout)

    status = cli(options, "status")
    assert (status.returncode, status.stdout.strip()) == (
        0,
        f"Neo4j is running (pid {pids[0]}) on {options.bolt_uri}",
    ), status

    stop = cli(options, "stop")
    assert stop.returncode == 0 and f"Neo4j stopped (pid {pids[0]})" in stop.stdout, stop
    assert servers_running_from(options.home) == []
    again = cli(options, "stop")
    assert again.returncode == 0 and "not running" in again.stdout, again
    after = cli(options, "status")
    assert after.returncode == 3 and "not running" in after.stdout, after


def test_data_survives_a_restart_and_a_changed_password_is_refused(launcher: LocalNeo4j) -> None:
    marker = str(uuid.uuid4())
    launcher.start()
    query(launcher.options, "CREATE (:LauncherProbe {marker: $marker})", marker=marker)
    launcher.stop()

    restarted = launcher.start()
    found = query(launcher.options, "MATCH (p:LauncherProbe) RETURN p.marker AS marker")
    assert found == [{"marker": marker}], found
    launcher.stop()

    # The initial password only applies to an empty home; a different one must fail loudly, not half-start.
    other = LocalNeo4j(dataclasses.replace(launcher.options, password="another-password"))
    with pytest.raises(LauncherError, match="refused the password in GRAPH_SERVICE_NEO4J_PASSWORD"):
        other.start()
    assert servers_running_from(launcher.options.home) == [] and not is_alive(restarted.pid)
    assert not launcher.options.pid_file.exists()


def test_a_server_that_dies_while_starting_reports_the_log_tail(tmp_path: Path, jars: Path) -> None:
    options = LaunchOptions(
        home=tmp_path / "home", lib_dir=jars, bolt_port=free_port(), heap="1k", password=PASSWORD
    )
    with pytest.raises(LauncherError) as exc:
        LocalNeo4j(options).start()
    assert "exited with code 1 while starting" in exc.value.detail, exc.value.detail
    assert "Too small maximum heap" in exc.value.detail and str(options.console_log) in exc.value.detail
    assert not options.pid_file.exists() and servers_running_from(options.home) == []
