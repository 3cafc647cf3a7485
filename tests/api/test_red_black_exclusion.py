"""Red and black exclude each other through the API: 409 naming the black entry; reds suspended meanwhile."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph_service.audit import MemoryAuditLog
from graph_service.config import Settings
from graph_service.domain.model import ListKind
from graph_service.store.base import GraphStore
from tests.factories import make_entry, make_org

KEYS = {
    "k-tax": {"role": "initiator", "name": "国家税务总局测试县税务局"},
    "k-admin": {"role": "admin", "name": "admin"},
}
INITIATOR, ADMIN = ({"X-API-Key": k} for k in KEYS)
ORG = make_org(1)


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    store.upsert_organizations([ORG])
    audit = MemoryAuditLog()
    settings = Settings(api_keys=KEYS, data_dir=tmp_path)
    with TestClient(create_app(settings=settings, store=store, audit_log=audit)) as c:
        yield c
    audit.close()


def _post(client: TestClient, entry_id: str, kind: ListKind) -> Any:
    body = make_entry(entry_id, ORG.uscc, list=kind).model_dump(mode="json")
    return client.post("/v1/entries", json=body, headers=INITIATOR)


def test_a_red_entry_for_a_blacklisted_subject_is_a_409_naming_the_black_entry(client: TestClient) -> None:
    assert _post(client, "B-1", ListKind.BLACK).status_code == 201
    r = _post(client, "R-1", ListKind.RED)
    assert r.status_code == 409, r.json()
    assert "B-1" in r.json()["detail"], r.json()
    assert client.get("/v1/entries/R-1", headers=ADMIN).status_code == 404


def test_a_black_entry_suspends_the_red_one_and_the_public_query_never_shows_both(client: TestClient) -> None:
    assert _post(client, "R-1", ListKind.RED).status_code == 201
    assert _post(client, "B-1", ListKind.BLACK).status_code == 201
    red = client.get("/v1/entries/R-1", headers=ADMIN).json()
    assert red["entry"]["status"] == "suspended", red
    assert red["history"][-1]["reason"] == "suspended: black entry B-1 of the subject is in force", red
    shown = client.get(f"/v1/public/subjects/{ORG.uscc}", headers=ADMIN).json()
    assert {e["list"] for e in shown["entries"]} == {"black"}, shown
    r = client.patch("/v1/entries/B-1", json={"status": "revoked", "reason": "撤销"}, headers=INITIATOR)
    assert r.status_code == 200, r.json()
    assert client.get("/v1/entries/R-1", headers=ADMIN).json()["entry"]["status"] == "active"
    shown = client.get(f"/v1/public/subjects/{ORG.uscc}", headers=ADMIN).json()
    assert {e["list"] for e in shown["entries"]} == {"red"}, shown
