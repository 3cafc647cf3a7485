"""Pushing county A's feed to a hub app in process: ``POST /v1/feed/push`` and the push engine.

The push client reaches the hub's ``TestClient`` through an ``httpx.MockTransport``, so headers,
signatures and body bytes are the real exchange; ``tamper`` and ``down`` change it in flight.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from graph_service.audit import MemoryAuditLog
from graph_service.config import PeerConfig, PushTarget, Settings
from graph_service.federation.push import DeadLetter, PushClient, PushReport, push
from graph_service.store.memory import MemoryStore
from tests.factories import make_entry, make_org

A, HUB = "430923", "430900"
SECRET = "secret-shared-by-county-a-and-hub"
ORGS = [make_org(500 + n, region=A) for n in range(12)]
KEYS = {
    "k-hub-county-a-0001": {"role": "peer", "name": "county-a"},
    "k-hub-approval-0001": {"role": "approval", "name": "hub-approvals"},
}


@dataclass
class Wire:
    """What the push client's requests go through: the hub, unless the test breaks the wire."""

    hub: TestClient
    down: bool = False
    tamper: Callable[[bytes], bytes] | None = None
    posts: int = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.posts += 1
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        body = request.content if self.tamper is None else self.tamper(request.content)
        answer = self.hub.post(request.url.path, content=body, headers=dict(request.headers))
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


@pytest.fixture
def county() -> Iterator[MemoryStore]:
    store = MemoryStore(None)
    store.upsert_organizations(ORGS)
    store.upsert_entries([make_entry(f"430923-L-{n}", org.uscc) for n, org in enumerate(ORGS)])
    yield store
    store.close()


@pytest.fixture
def hub_store() -> Iterator[MemoryStore]:
    store = MemoryStore(None)
    yield store
    store.close()


@pytest.fixture
def wire(hub_store: MemoryStore, tmp_path: Path) -> Iterator[Wire]:
    peer = PeerConfig(
        url="http://county-a.test", api_key=SecretStr("unused"), secret=SecretStr(SECRET), region=A
    )
    settings = Settings(
        region=HUB,
        api_keys=KEYS,
        data_dir=tmp_path,
        feed_secrets={"county-a": SECRET},
        peers={"county-a": peer},
        rate_limit_per_minute=0,
    )
    audit = MemoryAuditLog()
    app = create_app(settings=settings, store=hub_store, audit_log=audit)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Wire(client)
    audit.close()


def _push(county: MemoryStore, wire: Wire, *, key: str = "k-hub-county-a-0001", **kw: object) -> PushReport:
    target = PushTarget(url="http://hub.test", api_key=SecretStr(key), secret=SecretStr(SECRET))
    client = PushClient("hub", target, window_s=300, transport=httpx.MockTransport(wire.handle))
    try:
        return push(county, client, region=A, sleep=lambda _: None, **kw)  # type: ignore[arg-type]
    finally:
        client.close()


def _hub_entries(hub_store: MemoryStore) -> list[str]:
    return sorted(e.entry.entry_id for e in hub_store.feed_events(0, 1000).events)


def test_a_push_delivers_every_page_and_stores_what_the_hub_acknowledged(
    county: MemoryStore, hub_store: MemoryStore, wire: Wire
) -> None:
    report = _push(county, wire, limit=5)

    assert (report.pages, report.events, report.applied, report.dead) == (3, 12, 12, None), report
    assert _hub_entries(hub_store) == sorted(f"430923-L-{n}" for n in range(12))
    assert county.push_position("hub") == county.feed_events(0, 1).head == report.position
    assert {e.source_region for e in hub_store.feed_events(0, 1000).events} == {A}
    posts = wire.posts
    assert _push(county, wire).pages == 0 and wire.posts == posts  # nothing new: nothing sent


def test_a_page_sent_again_is_acknowledged_without_being_applied_twice(
    county: MemoryStore, hub_store: MemoryStore, wire: Wire
) -> None:
    _push(county, wire, limit=5)
    county.set_push_position("hub", 0)  # as if every acknowledgement had been lost

    again = _push(county, wire, limit=5)

    assert again.dead is None and again.applied == 0, again
    assert county.push_position("hub") == county.feed_events(0, 1).head
    assert len(hub_store.feed_events(0, 1000).events) == 12


def test_a_hub_that_stays_down_gives_a_dead_letter_after_the_retry_budget(
    county: MemoryStore, hub_store: MemoryStore, wire: Wire
) -> None:
    wire.down = True
    dead: list[DeadLetter] = []

    report = _push(county, wire, retries=3, on_dead=dead.append)

    assert wire.posts == 4 and report.dead is not None and dead == [report.dead], (wire.posts, report)
    assert (report.dead.after_seq, report.dead.events, county.push_position("hub")) == (0, 12, 0)
    wire.down = False
    assert _push(county, wire).applied == 12  # back: the run starts again at the dead page


def test_a_tampered_page_is_refused_and_nothing_of_it_applied(
    county: MemoryStore, hub_store: MemoryStore, wire: Wire
) -> None:
    wire.tamper = lambda body: body.replace(b"430923-L-1", b"430923-L-X")

    report = _push(county, wire, retries=0)

    assert report.dead is not None and "403" in report.dead.reason, report
    assert "signature" in report.dead.reason, report.dead
    assert hub_store.feed_events(0, 10).events == [] and county.push_position("hub") == 0


def test_only_a_peer_key_with_a_shared_secret_may_push(county: MemoryStore, wire: Wire) -> None:
    report = _push(county, wire, key="k-hub-approval-0001", retries=0)

    assert report.dead is not None and "403" in report.dead.reason, report
