"""Support for the feed tests: county A's app in process, and a peer client that reaches it over HTTP.

County A (region 430923) lists an enterprise whose legal representative is named responsible; county B
(region 430921) holds a company A's enterprise owns shares in. The peer client talks to A's app through
an ``httpx.MockTransport`` that forwards each request to A's ``TestClient``, so the whole HTTP exchange —
headers, signature, body bytes — is the real one; ``tamper`` lets a test change answers in flight.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from graph_service.audit import MemoryAuditLog
from graph_service.config import PeerConfig, Settings
from graph_service.domain.model import ListEntry, RelationKind
from graph_service.federation.client import FeedClient
from graph_service.store.base import GraphStore
from graph_service.store.memory import MemoryStore
from tests.factories import make_entry, make_org, make_person, make_relation

A, B = "430923", "430921"
ENTERPRISE = make_org(1, region=A)  # listed by county A
REP = make_person(1, region=A)  # its legal representative, named responsible
HELD = make_org(2, region=B)  # a company in county B, 60 % held by ENTERPRISE
SECRET = "secret-shared-by-a-and-b"
KEYS = {
    "k-feed-county-b-0001": {"role": "peer", "name": "county-b"},
    "k-feed-county-c-0001": {"role": "peer", "name": "county-c"},  # cleared for full ID numbers
    "k-feed-nosecret-0001": {"role": "peer", "name": "county-d"},  # no secret configured
    "k-feed-approval-0001": {"role": "approval", "name": "a-approvals"},
}
COUNTY_B, COUNTY_C, NO_SECRET, APPROVAL = ({"X-API-Key": key} for key in KEYS)
START = dt.date(2020, 1, 1)


def listing(entry_id: str = "430923-B-2026-0001", **kw: object) -> ListEntry:
    """County A's black-list entry on the enterprise, its legal representative named responsible."""
    return make_entry(entry_id, ENTERPRISE.uscc, responsible_person_ids=(REP.key,), **kw)


def seed_a(store: GraphStore) -> None:
    """County A's registry: the enterprise and its legal representative (no entry yet)."""
    store.upsert_organizations([ENTERPRISE])
    store.upsert_persons([REP])
    store.upsert_relations(
        [make_relation(RelationKind.LEGAL_REPRESENTATIVE, REP.key, ENTERPRISE.uscc, START)]
    )


def seed_b(store: GraphStore) -> None:
    """County B's registry: its company and the shareholder from county A (the registry names it)."""
    store.upsert_organizations([HELD, ENTERPRISE])
    store.upsert_relations(
        [make_relation(RelationKind.SHAREHOLDER, ENTERPRISE.uscc, HELD.uscc, START, ratio=0.6)]
    )


@dataclass
class County:
    """One county's app in process, its store and audit, and a way to reach its feed over HTTP."""

    client: TestClient
    store: GraphStore
    audit: MemoryAuditLog
    tamper: list[Callable[[httpx.Response], httpx.Response]] = field(default_factory=list)
    region: str = A
    down: list[int] = field(default_factory=lambda: [0])  # refuse this many connections, then answer

    def peer_client(
        self, key: str = "k-feed-county-c-0001", secret: str = SECRET, relays: tuple[str, ...] = ()
    ) -> FeedClient:
        """A client of this county's feed (named ``county-<region>``), over the forwarding transport.

        ``relays``: the regions this deployment is configured to relay (a province hub).
        """
        config = PeerConfig(
            url="http://county.test",
            api_key=SecretStr(key),
            secret=SecretStr(secret),
            region=self.region,
            relays=list(relays),
        )
        name = f"county-{self.region}"
        return FeedClient(name, config, window_s=300, transport=httpx.MockTransport(self._forward))

    def _forward(self, request: httpx.Request) -> httpx.Response:
        if self.down[0] > 0:
            self.down[0] -= 1
            raise httpx.ConnectError("connection refused", request=request)
        response: httpx.Response = self.client.request(
            request.method, request.url.path, params=request.url.params, headers=request.headers
        )
        for change in self.tamper:
            response = change(response)
        return response


@contextmanager
def county_a(
    tmp_path: Path, store: GraphStore | None = None, federation_keys: dict[str, str] | None = None
) -> Iterator[County]:
    """County A's app on a seeded store (a fresh embedded one unless given)."""
    store = store if store is not None else MemoryStore(None)
    seed_a(store)
    with serving(store, A, tmp_path, federation_keys) as county:
        yield county


@contextmanager
def serving(
    store: GraphStore, region: str, tmp_path: Path, federation_keys: dict[str, str] | None = None
) -> Iterator[County]:
    """An app serving ``store``'s feed as the deployment of ``region`` (keys and secrets as above).

    ``federation_keys``: pseudonym keys by key id (the last one current), so peers not cleared for full
    ID numbers receive pseudonyms."""
    audit = MemoryAuditLog()
    settings = Settings(
        api_keys=KEYS,
        data_dir=tmp_path,
        region=region,
        feed_secrets={"county-b": SECRET, "county-c": SECRET},
        feed_full_id_peers=["county-c"],
        rate_limit_per_minute=0,
        federation_keys=federation_keys or {},
        federation_key_id=list(federation_keys)[-1] if federation_keys else None,
    )
    app = create_app(settings=settings, store=store, audit_log=audit)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield County(client=client, store=store, audit=audit, region=region)
    finally:
        audit.close()
