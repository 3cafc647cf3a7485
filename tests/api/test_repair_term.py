"""A repair can shorten the punishment term (安化县 (四)5 "适度调整联合惩戒期限") instead of ending it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.clock import now
from graph_service.audit import MemoryAuditLog
from graph_service.config import Settings
from graph_service.store.base import GraphStore
from tests.factories import make_entry, make_org

TAX = "国家税务总局测试县税务局"
KEYS = {"k-tax": {"role": "initiator", "name": TAX}, "k-admin": {"role": "admin", "name": "admin"}}
INITIATOR, ADMIN = ({"X-API-Key": k} for k in KEYS)
ORG = make_org(1)
TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    store.upsert_organizations([ORG])
    audit = MemoryAuditLog()
    app = create_app(settings=Settings(api_keys=KEYS, data_dir=tmp_path), store=store, audit_log=audit)
    app.dependency_overrides[now] = lambda: TODAY
    with TestClient(app) as c:
        body = make_entry("E-1", ORG.uscc, valid_until=dt.date(2028, 1, 9)).model_dump(mode="json")
        assert c.post("/v1/entries", json=body, headers=INITIATOR).status_code == 201
        yield c
    audit.close()


def _apply(client: TestClient) -> str:
    r = client.post("/v1/entries/E-1/repair", json={"evidence": "公益服务"}, headers=INITIATOR)
    assert r.status_code == 201, r.json()
    repair_id: str = r.json()["repair_id"]
    return repair_id


def _decide(client: TestClient, repair_id: str, **body: Any) -> Any:
    decision = {"approve": True, "reason": "认定", **body}
    return client.post(f"/v1/repairs/{repair_id}/decide", json=decision, headers=INITIATOR)


def test_an_approved_repair_with_valid_until_shortens_the_term_and_keeps_the_entry_in_force(
    client: TestClient,
) -> None:
    r = _decide(client, _apply(client), valid_until="2027-03-31")
    assert r.status_code == 200 and r.json()["status"] == "approved", r.json()
    state = client.get("/v1/entries/E-1", headers=ADMIN).json()
    entry = state["entry"]
    assert (entry["status"], entry["valid_until"], entry["version"]) == ("active", "2027-03-31", 2), entry
    assert "term shortened to 2027-03-31" in state["history"][-1]["reason"], state["history"]
    assert {t["status"] for t in state["tasks"]} == {"pending"}, state["tasks"]


def test_a_shortened_term_must_end_before_the_current_end_and_not_in_the_past(client: TestClient) -> None:
    repair_id = _apply(client)
    later = _decide(client, repair_id, valid_until="2028-06-30")
    assert later.status_code == 422, later.json()
    assert "earlier than the entry's current end 2028-01-09" in str(later.json()), later.json()
    past = _decide(client, repair_id, valid_until="2026-01-01")
    assert past.status_code == 422, past.json()
    entry = client.get("/v1/entries/E-1", headers=ADMIN).json()["entry"]
    assert (entry["valid_until"], entry["version"]) == ("2028-01-09", 1), entry
