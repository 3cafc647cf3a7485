"""The behaviour list (行为清单, 本溪市 (十六)) over HTTP on both backends: entries name behaviour codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph_service.audit import MemoryAuditLog
from graph_service.config import Settings
from graph_service.store.base import GraphStore
from tests.factories import make_entry, make_org

TAX = "国家税务总局测试县税务局"  # make_entry's initiating department
KEYS = {"k-tax": {"role": "initiator", "name": TAX}, "k-approval": {"role": "approval", "name": "approvals"}}
INITIATOR, APPROVAL = ({"X-API-Key": k} for k in KEYS)
ORG = make_org(1)


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    store.upsert_organizations([ORG])
    audit = MemoryAuditLog()
    settings = Settings(api_keys=KEYS, data_dir=tmp_path)
    with TestClient(create_app(settings=settings, store=store, audit_log=audit)) as c:
        yield c
    audit.close()


def _body(entry_id: str, **fields: Any) -> dict[str, Any]:
    entry = make_entry(entry_id, ORG.uscc, act_on=dt.date(2024, 1, 2))
    return entry.model_dump(mode="json", exclude_none=True) | fields


def test_an_entry_naming_a_behaviour_code_of_the_list_is_stored_with_it(client: TestClient) -> None:
    r = client.post("/v1/entries", json=_body("E-B-1", behaviour_code="SL-MARKET-TAX"), headers=INITIATOR)
    assert r.status_code == 201, r.json()
    stored = client.get("/v1/entries/E-B-1", headers=INITIATOR).json()
    assert stored["entry"]["behaviour_code"] == "SL-MARKET-TAX", stored


def test_an_unknown_behaviour_code_is_422_naming_it(client: TestClient) -> None:
    r = client.post("/v1/entries", json=_body("E-B-2", behaviour_code="SL-NO-SUCH"), headers=INITIATOR)
    assert r.status_code == 422, r.json()
    assert "SL-NO-SUCH" in r.json()["detail"] and "behaviour_code" in r.json()["detail"], r.json()
    assert client.get("/v1/entries/E-B-2", headers=INITIATOR).status_code == 404


def test_a_behaviour_code_of_another_list_or_domain_is_422(client: TestClient) -> None:
    red = client.post(
        "/v1/entries", json=_body("E-B-3", behaviour_code="SL-MARKET-TAX", list="red"), headers=INITIATOR
    )
    assert red.status_code == 422 and "red" in red.json()["detail"], red.json()
    food = client.post("/v1/entries", json=_body("E-B-4", behaviour_code="SL-HEALTH-FOOD"), headers=INITIATOR)
    assert food.status_code == 422 and "food_drug" in food.json()["detail"], food.json()
