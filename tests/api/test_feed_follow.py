"""The API following peers itself (``GRAPH_SERVICE_SYNC_PEERS``): the embedded store's one writer syncs."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError

from api.app import create_app
from graph_service.audit import MemoryAuditLog
from graph_service.config import PeerConfig, Settings
from graph_service.domain.model import EntryStatus, StatusChange
from graph_service.federation.background import PeerFollowers
from graph_service.store.memory import MemoryStore
from graph_service.store.workflow_port import EntryStep
from tests.api.feed_support import B, County, county_a, listing, seed_b


@pytest.fixture
def a(tmp_path: Path) -> Iterator[County]:
    with county_a(tmp_path) as opened:
        yield opened


def _eventually(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the follower did not get there in time"
        time.sleep(0.05)


def test_a_follower_pulls_every_change_of_its_peer_until_stopped(a: County) -> None:
    b = MemoryStore(None)
    seed_b(b)
    config = PeerConfig(url="http://unused.test", api_key=SecretStr("k"), secret=SecretStr("s" * 16))
    followers = PeerFollowers(
        b, {"county-a": config}, home_region=B, interval_s=0.1, client_factory=lambda *_: a.peer_client()
    )
    followers.start()
    try:
        a.store.upsert_entries([listing()])
        _eventually(lambda: listing().entry_id in b.get_entries([listing().entry_id]))
        revoked = listing().model_copy(update={"status": EntryStatus.REVOKED, "version": 2})
        change = StatusChange(
            entry_id=revoked.entry_id,
            from_status=EntryStatus.ACTIVE,
            to_status=EntryStatus.REVOKED,
            at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
            actor="县税务局",
        )
        a.store.write_step(EntryStep(revoked, change))
        _eventually(lambda: b.get_entries([revoked.entry_id])[revoked.entry_id].status is EntryStatus.REVOKED)
    finally:
        started = time.monotonic()
        followers.stop()
    assert time.monotonic() - started < 5
    assert not [t for t in threading.enumerate() if t.name == "sync-county-a"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_api_follows_its_configured_peers_while_it_runs_and_stops_with_them(tmp_path: Path) -> None:
    peer = {"url": f"http://127.0.0.1:{_closed_port()}", "api_key": "k", "secret": "s" * 16}
    settings = Settings(
        data_dir=tmp_path, peers={"county-a": peer}, sync_peers=["county-a"], sync_interval_s=0.1
    )
    audit = MemoryAuditLog()
    app = create_app(settings=settings, store=MemoryStore(None), audit_log=audit)

    with TestClient(app):
        assert [t for t in threading.enumerate() if t.name == "sync-county-a"]  # retrying the absent peer
        started = time.monotonic()
    audit.close()

    assert time.monotonic() - started < 5
    assert not [t for t in threading.enumerate() if t.name == "sync-county-a"]


def test_following_a_peer_that_is_not_configured_is_refused() -> None:
    with pytest.raises(ValidationError, match="county-x"):
        Settings(sync_peers=["county-x"])
