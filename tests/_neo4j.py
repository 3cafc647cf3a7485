"""How the test suite finds a Neo4j 5.26, in this order (first that works wins):

1. ``GRAPH_SERVICE_NEO4J_URI`` (+ ``_USER``, ``_PASSWORD``, ``_DATABASE``) from the environment — what
   ``make test`` and CI export after starting the local server; an unreachable URI is an error, not a skip;
2. testcontainers ``Neo4jContainer("neo4j:5.26-community")`` when a Docker engine answers;
3. the local launcher: a test server under ``.neo4j/test`` (git-ignored with ``.neo4j``) on port 7697 with
   a fixed password, reusing the jars in ``.neo4j/lib``; stopped when the last pytest session using it
   ends, and only if a pytest session started it (``make test`` stops the one it started itself);
4. otherwise Neo4j tests are skipped with the reasons — or fail when ``GRAPH_SERVICE_REQUIRE_NEO4J=1``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlparse

import pytest
from neo4j import Driver, GraphDatabase
from neo4j.exceptions import Neo4jError, ServiceUnavailable

from graph_service.neo4j_local import LauncherError, LaunchOptions, LocalNeo4j
from graph_service.neo4j_local.process import is_alive

REQUIRE_ENV = "GRAPH_SERVICE_REQUIRE_NEO4J"
CONNECTION_ENV = (
    "GRAPH_SERVICE_NEO4J_URI",
    "GRAPH_SERVICE_NEO4J_USER",
    "GRAPH_SERVICE_NEO4J_PASSWORD",
    "GRAPH_SERVICE_NEO4J_DATABASE",
)
NEO4J_IMAGE = "neo4j:5.26-community"

REPO = Path(__file__).resolve().parents[1]
SHARED_LIB = REPO / ".neo4j" / "lib"
TEST_HOME = REPO / ".neo4j" / "test"
TEST_BOLT_PORT = 7697
TEST_PASSWORD = "graph-service-test"  # a throwaway server on loopback; Neo4j wants 8+ characters


@dataclass(frozen=True)
class Neo4jConnection:
    """Where the Neo4j for this test session listens and how to log in."""

    uri: str
    user: str
    password: str = field(repr=False)
    database: str


@dataclass(frozen=True)
class Acquired:
    connection: Neo4jConnection
    source: str  # says in the test summary which Neo4j the suite ran against
    release: Callable[[], None] | None  # None: someone else started it, so someone else stops it


class Neo4jUnavailable(Exception):
    """No Neo4j could be had; the message lists what was tried and why each failed."""


def neo4j_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> NoReturn:
    """Skip loudly, or fail when ``GRAPH_SERVICE_REQUIRE_NEO4J=1`` says Neo4j must be tested."""
    if neo4j_required():
        pytest.fail(f"{REQUIRE_ENV}=1 but Neo4j is not available: {reason}", pytrace=False)
    pytest.skip(f"NEO4J TESTS SKIPPED: {reason} (set {REQUIRE_ENV}=1 to make this a failure)")


def local_server_options() -> LaunchOptions:
    """The local test server: its own home and port, so it never touches the developer's server."""
    return LaunchOptions(
        home=TEST_HOME,
        lib_dir=SHARED_LIB,
        bolt_port=TEST_BOLT_PORT,
        heap="512m",
        pagecache="128m",
        password=TEST_PASSWORD,
        pom=REPO / "tools" / "neo4j" / "pom.xml",
    )


def acquire(env: Mapping[str, str]) -> Acquired:
    """The first Neo4j that works, in the module's documented order; :class:`Neo4jUnavailable` if none."""
    if env.get("GRAPH_SERVICE_NEO4J_URI"):
        return _from_environment(env)
    tried: list[str] = []
    if docker_answers():
        try:
            return _from_testcontainers()
        except Exception as exc:  # any Docker trouble falls through to the launcher, reason kept
            tried.append(f"testcontainers {NEO4J_IMAGE} failed: {exc}")
    else:
        tried.append("no Docker engine answers")
    try:
        return _from_local_launcher()
    except LauncherError as exc:
        tried.append(f"the local launcher could not start a test server: {exc.detail}")
    raise Neo4jUnavailable("; ".join(tried))


def verify(connection: Neo4jConnection) -> str:
    """Log in, check the database answers, and return the server's version line (``Neo4j Kernel 5.26.30``)."""
    auth = (connection.user, connection.password)
    with GraphDatabase.driver(connection.uri, auth=auth, connection_timeout=10.0) as driver:
        # Fails at once on a refused connection or a wrong password; execute_query would retry for 30 s.
        driver.verify_connectivity()
        records, _, _ = driver.execute_query(
            "CALL dbms.components() YIELD name, versions, edition "
            "RETURN name, versions[0] AS version, edition",
            database_=connection.database,
        )
    row = records[0]
    return f"{row['name']} {row['version']} {row['edition']}"


def docker_answers(timeout_s: float = 0.5) -> bool:
    """True if a Docker engine answers ``GET /_ping`` in ``timeout_s`` (unix socket or tcp DOCKER_HOST)."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    parsed = urlparse(host)
    try:
        if parsed.scheme == "unix":
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.settimeout(timeout_s)
            conn.connect(parsed.path)
        elif parsed.scheme == "tcp" and parsed.hostname:
            conn = socket.create_connection((parsed.hostname, parsed.port or 2375), timeout=timeout_s)
        else:
            return False
        with conn:
            conn.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            reply = conn.recv(64)
    except OSError:
        return False
    return reply.startswith(b"HTTP/1.") and b" 200 " in reply


def _from_environment(env: Mapping[str, str]) -> Acquired:
    connection = Neo4jConnection(
        uri=env["GRAPH_SERVICE_NEO4J_URI"],
        user=env.get("GRAPH_SERVICE_NEO4J_USER", "neo4j"),
        password=env.get("GRAPH_SERVICE_NEO4J_PASSWORD", ""),
        database=env.get("GRAPH_SERVICE_NEO4J_DATABASE", "neo4j"),
    )
    try:
        version = verify(connection)
    except (Neo4jError, ServiceUnavailable, OSError, ValueError) as exc:
        # The URI was given on purpose: not reaching it is a broken setup, never a silent skip.
        pytest.fail(f"GRAPH_SERVICE_NEO4J_URI={connection.uri} does not work: {exc}", pytrace=False)
    return Acquired(connection, f"{connection.uri} from GRAPH_SERVICE_NEO4J_URI ({version})", None)


def _from_testcontainers() -> Acquired:
    from testcontainers.community.neo4j import Neo4jContainer

    container = Neo4jContainer(NEO4J_IMAGE, password=TEST_PASSWORD)
    container.start()
    connection = Neo4jConnection(container.get_connection_url(), "neo4j", TEST_PASSWORD, "neo4j")
    return Acquired(connection, f"testcontainers {NEO4J_IMAGE} ({verify(connection)})", container.stop)


def _from_local_launcher() -> Acquired:
    """Start (or join) the shared test server; the last pytest session to leave stops it.

    Several pytest sessions may share the server (an IDE and a terminal; helpers working side by side).
    Each holds a lease file named by its pid; a session that leaves stops the server only when no live
    session still holds a lease, and only when some pytest session (not ``make test``) started it.
    """
    launcher = LocalNeo4j(local_server_options())
    leases = launcher.options.run_dir / "pytest-leases"
    started_by_pytest = leases / "started-by-pytest"
    lease = leases / str(os.getpid())
    with _leases_locked(leases):
        started = launcher.start()
        if not started.already_running:
            started_by_pytest.touch()
        lease.touch()
    connection = Neo4jConnection(launcher.options.bolt_uri, "neo4j", TEST_PASSWORD, "neo4j")
    how = "joined, already running" if started.already_running else f"started in {started.seconds:.1f} s"
    source = f"local test server {connection.uri} ({verify(connection)}; {how})"

    def leave() -> None:
        with _leases_locked(leases):
            lease.unlink(missing_ok=True)
            holders = [path for path in leases.iterdir() if path.name.isdigit()]
            live = [path for path in holders if is_alive(int(path.name))]
            for dead in set(holders) - set(live):  # sessions that crashed without leaving
                dead.unlink(missing_ok=True)
            if not live and started_by_pytest.exists():
                launcher.stop()
                started_by_pytest.unlink()

    return Acquired(connection, source, leave)


@contextlib.contextmanager
def _leases_locked(leases: Path) -> Iterator[None]:
    leases.mkdir(parents=True, exist_ok=True)
    with (leases / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def delete_audit_chain(driver: Driver, database: str, chain: str) -> None:
    """Remove a test's audit chain (its records and head) from the shared test database."""
    driver.execute_query(
        "MATCH (n) WHERE (n:AuditRecord AND n.chain = $chain) OR (n:AuditHead AND n.name = $chain) "
        "DETACH DELETE n",
        chain=chain,
        database_=database,
    )
