"""The suite's rules for finding Neo4j (tests/_neo4j.py), checked without starting any server."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._neo4j import REQUIRE_ENV, acquire, docker_answers, skip_or_fail


@pytest.fixture
def unix_server(tmp_path: Path) -> Iterator[tuple[str, list[bytes]]]:
    """A unix socket at a short path that answers one request with the replies queued in the list."""
    path = f"/tmp/gs-docker-{tmp_path.name[-12:]}.sock"  # AF_UNIX paths are limited to ~100 bytes
    replies: list[bytes] = []
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen()

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(1024)
            if replies:
                conn.sendall(replies.pop(0))

    threading.Thread(target=answer, daemon=True).start()
    yield f"unix://{path}", replies
    server.close()
    Path(path).unlink(missing_ok=True)


def test_docker_probe_accepts_an_engine_that_answers_ping(
    unix_server: tuple[str, list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    host, replies = unix_server
    replies.append(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
    monkeypatch.setenv("DOCKER_HOST", host)
    assert docker_answers(timeout_s=2.0) is True


def test_docker_probe_refuses_a_socket_that_is_not_an_engine(
    unix_server: tuple[str, list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    host, replies = unix_server
    replies.append(b"SSH-2.0-OpenSSH_9.2\r\n")
    monkeypatch.setenv("DOCKER_HOST", host)
    assert docker_answers(timeout_s=2.0) is False


def test_docker_probe_is_false_quickly_when_no_socket_exists(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/docker.sock")
    assert docker_answers() is False


def test_an_unreachable_uri_from_the_environment_fails_instead_of_skipping() -> None:
    env = {"GRAPH_SERVICE_NEO4J_URI": "bolt://127.0.0.1:1", "GRAPH_SERVICE_NEO4J_PASSWORD": "irrelevant"}
    with pytest.raises(
        pytest.fail.Exception, match="GRAPH_SERVICE_NEO4J_URI=bolt://127.0.0.1:1 does not work"
    ):
        acquire(env)


def test_missing_neo4j_skips_with_the_reason_unless_it_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="NEO4J TESTS SKIPPED: no java here"):
        skip_or_fail("no java here")
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(
        pytest.fail.Exception, match=f"{REQUIRE_ENV}=1 but Neo4j is not available: no java here"
    ):
        skip_or_fail("no java here")
