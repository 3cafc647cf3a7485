"""``graph-service sync``: configuration errors and exit codes that tell an operator what went wrong."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from graph_service.cli.main import app
from graph_service.config import Settings, get_settings
from graph_service.store.memory import MemoryStore


def _closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An embedded store and one peer, county-a, at a port where nothing answers."""
    peers = {
        "county-a": {
            "url": f"http://127.0.0.1:{_closed_port()}",
            "api_key": "k",
            "secret": "secret-of-county-a-and-us",
        }
    }
    monkeypatch.setenv("GRAPH_SERVICE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GRAPH_SERVICE_PEERS", json.dumps(peers))
    monkeypatch.delenv("GRAPH_SERVICE_NEO4J_URI", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_an_unknown_peer_is_refused_naming_the_configured_ones(configured: Path) -> None:
    result = CliRunner().invoke(app, ["sync", "--peer", "county-x"])

    assert result.exit_code == 2, result.output
    assert "county-x" in result.output and "county-a" in result.output, result.output


def test_a_peer_that_stays_down_ends_with_exit_code_1_and_writes_nothing(configured: Path) -> None:
    result = CliRunner().invoke(app, ["sync", "--peer", "county-a", "--retries", "0"])

    assert result.exit_code == 1, result.output
    assert "unavailable" in result.output, result.output
    with MemoryStore(configured, read_only=True) as store:
        assert store.peer_cursor("county-a") is None


def test_a_second_sync_of_the_same_data_dir_is_refused_by_the_store(configured: Path) -> None:
    with MemoryStore(configured):  # another process holds the writer lock
        result = CliRunner().invoke(app, ["sync", "--peer", "county-a", "--retries", "0"])

    assert result.exit_code == 3, result.output
    assert "already open for writing" in result.output, result.output


def test_production_refuses_a_peer_reached_over_plain_http() -> None:
    peer = {"url": "http://county-a.example", "api_key": "k", "secret": "secret-of-county-a-and-us"}
    with pytest.raises(ValidationError, match="must travel over https"):
        Settings(env="production", api_keys={"k": {"role": "admin", "name": "ops"}}, peers={"county-a": peer})


@pytest.mark.parametrize("where", ["peer", "feed"])
def test_a_shared_secret_shorter_than_16_characters_is_refused(where: str) -> None:
    with pytest.raises(ValidationError, match="16 characters"):
        if where == "peer":
            Settings(peers={"county-a": {"url": "https://a.example", "api_key": "k", "secret": "short"}})
        else:
            Settings(feed_secrets={"county-b": "short"})
