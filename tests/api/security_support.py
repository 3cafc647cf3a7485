"""Support for the security tests: a key per role, a small seeded registry, and the app's leaf routes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount, Route

from api.app import create_app
from graph_service.audit import MemoryAuditLog
from graph_service.config import Role, Settings
from graph_service.domain.model import RelationKind
from graph_service.store.base import GraphStore
from graph_service.store.memory import MemoryStore
from tests.factories import make_entry, make_org, make_person, make_relation

ROLES: tuple[str, ...] = get_args(Role)
#: The implementer key is a real implementing department: it sees and answers its own tasks only.
IMPLEMENTING_DEPT = "市场监管部门"
KEYS = {
    f"k-sec-{role}-0123456789": {
        "role": role,
        "name": IMPLEMENTING_DEPT if role == "implementer" else f"{role}-client",
    }
    for role in ROLES
}
HEADERS = {role: {"X-API-Key": f"k-sec-{role}-0123456789"} for role in ROLES}
#: Feed answers are signed with a secret per key name; the keys that may read the feed get one.
FEED_SECRETS = {f"{role}-client": f"feed-secret-of-{role}-client" for role in ("peer", "admin")}

ORGS = [make_org(n) for n in range(1, 6)]
PERSONS = [make_person(n) for n in range(1, 5)]
ORG, LISTED = ORGS[0], ORGS[1]
PERSON = PERSONS[0]


def seed(store: GraphStore) -> None:
    """Five organisations, four persons with real ID numbers, relations and two entries."""
    store.upsert_organizations(ORGS)
    store.upsert_persons(PERSONS)
    start = dt.date(2016, 1, 1)
    store.upsert_relations(
        [
            make_relation(RelationKind.LEGAL_REPRESENTATIVE, PERSONS[0].key, ORGS[0].uscc, start),
            make_relation(RelationKind.LEGAL_REPRESENTATIVE, PERSONS[0].key, ORGS[1].uscc, start),
            make_relation(RelationKind.SHAREHOLDER, PERSONS[1].key, ORGS[1].uscc, start, ratio=0.6),
            make_relation(RelationKind.SHAREHOLDER, ORGS[2].uscc, ORGS[0].uscc, start, ratio=0.3),
            make_relation(RelationKind.DIRECTOR, PERSONS[2].key, ORGS[3].uscc, start),
            make_relation(RelationKind.ACTUAL_CONTROLLER, PERSONS[3].key, ORGS[4].uscc, start),
        ]
    )
    store.upsert_entries(
        [
            make_entry("E-SEC-1", LISTED.uscc, responsible_person_ids=(PERSONS[0].key,)),
            make_entry("E-SEC-2", PERSONS[1].key),
        ]
    )


@dataclass
class SecApi:
    app: FastAPI
    client: TestClient
    store: GraphStore
    audit: MemoryAuditLog


@contextmanager
def open_api(tmp_path: Path, store: GraphStore | None = None, **settings: Any) -> Iterator[SecApi]:
    """The app on a seeded memory store (unless ``store`` is given), a key per role, an in-memory audit."""
    if store is None:
        store = MemoryStore(None)
        seed(store)
    settings.setdefault("rate_limit_per_minute", 0)
    settings.setdefault("feed_secrets", FEED_SECRETS)
    audit = MemoryAuditLog()
    app = create_app(
        settings=Settings(api_keys=KEYS, data_dir=tmp_path, **settings), store=store, audit_log=audit
    )
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield SecApi(app=app, client=client, store=store, audit=audit)
    finally:
        audit.close()


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str


def leaf_routes(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route of the app, included routers walked; a mount counts as ``GET``."""
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:  # FastAPI >= 0.165 keeps included routers as one entry each
            yield from leaf_routes(original.routes, prefix + route.include_context.prefix)  # type: ignore[attr-defined]
        elif isinstance(route, Route):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield method, prefix + route.path
        elif isinstance(route, Mount):
            yield "GET", prefix + route.path
