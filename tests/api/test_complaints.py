"""Complaints and reports from the public over HTTP on both backends: intake, routing, close with its link."""

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

MARKET, TAX = "市场监管部门", "税务部门"  # where food_drug and tax complaints go (the catalog's routing)
KEYS = {
    "k-market": {"role": "implementer", "name": MARKET},
    "k-tax": {"role": "initiator", "name": TAX},
    "k-public": {"role": "public", "name": "portal"},
}
MARKET_KEY, TAX_KEY, PUBLIC = ({"X-API-Key": k} for k in KEYS)
ORG = make_org(1)
CONTACT = "13800000000"
TODAY = dt.date.today()
#: The app's clock is pinned to noon of TODAY: a run that crosses midnight must not move the deadlines.
NOON = dt.datetime.combine(TODAY, dt.time(12)).astimezone()


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    store.upsert_organizations([ORG])
    audit = MemoryAuditLog()
    settings = Settings(api_keys=KEYS, data_dir=tmp_path)
    app = create_app(settings=settings, store=store, audit_log=audit)
    app.dependency_overrides[now] = lambda: NOON
    with TestClient(app) as c:
        yield c
    audit.close()


def _file(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {
        "kind": "report",
        "domain": "food_drug",
        "text": "该企业无证照从事食品经营",
        "subject_id": ORG.uscc,
    }
    r = client.post("/v1/complaints", json=body | {"contact": CONTACT} | fields, headers=PUBLIC)
    assert r.status_code == 201, r.json()
    receipt: dict[str, Any] = r.json()
    return receipt


def test_a_report_is_routed_to_the_responsible_department_and_its_contact_kept_from_the_public(
    client: TestClient,
) -> None:
    receipt = _file(client)
    assert (receipt["status"], receipt["department"]) == ("routed", MARKET), receipt
    assert receipt["due_on"] == (TODAY + dt.timedelta(days=20)).isoformat(), receipt
    assert CONTACT not in str(receipt), receipt
    mine = client.get("/v1/complaints", headers=MARKET_KEY).json()
    assert [(c["complaint_id"], c["contact"]) for c in mine] == [(receipt["complaint_id"], CONTACT)], mine
    assert client.get("/v1/complaints", headers=TAX_KEY).json() == []  # not theirs
    followed = client.get(f"/v1/complaints/{receipt['complaint_id']}/receipt", headers=PUBLIC).json()
    assert followed == receipt and CONTACT not in str(followed), followed


def test_a_substantiated_report_is_passed_on_and_closed_naming_the_entry_it_led_to(
    client: TestClient,
) -> None:
    number = _file(client, text="该企业无证照经营且恶意逃税")["complaint_id"]  # to MARKET first
    r = client.post(f"/v1/complaints/{number}/route", json={"department": TAX}, headers=MARKET_KEY)
    assert r.status_code == 200 and r.json()["department"] == TAX, r.json()
    entry = make_entry("E-TS-1", ORG.uscc, initiating_dept=TAX, act_on=dt.date(2024, 1, 2))
    created = client.post(
        "/v1/entries", json=entry.model_dump(mode="json", exclude_none=True), headers=TAX_KEY
    )
    assert created.status_code == 201, created.json()
    closing = {"outcome": "substantiated", "note": "经查属实，已列入黑名单", "entry_id": "E-TS-1"}
    r = client.post(f"/v1/complaints/{number}/close", json=closing, headers=TAX_KEY)
    assert r.status_code == 200, r.json()
    assert (r.json()["status"], r.json()["entry_id"], r.json()["closed_by"]) == ("closed", "E-TS-1", TAX), (
        r.json()
    )
    followed = client.get(f"/v1/complaints/{number}/receipt", headers=PUBLIC).json()
    assert (followed["status"], followed["outcome"]) == ("closed", "substantiated"), followed
    again = client.post(f"/v1/complaints/{number}/close", json=closing, headers=TAX_KEY)
    assert again.status_code == 409, again.json()


def test_a_complaint_about_a_record_is_closed_naming_the_dispute_it_led_to(client: TestClient) -> None:
    entry = make_entry("E-TS-2", ORG.uscc, initiating_dept=TAX, act_on=dt.date(2024, 1, 2))
    assert (
        client.post(
            "/v1/entries", json=entry.model_dump(mode="json", exclude_none=True), headers=TAX_KEY
        ).status_code
        == 201
    )
    number = _file(client, kind="complaint", domain="tax", text="税款已缴清，名单信息不实")["complaint_id"]
    dispute = client.post(
        "/v1/entries/E-TS-2/disputes", json={"grounds": "税款已缴清", "filed_by": ORG.name}, headers=TAX_KEY
    )
    assert dispute.status_code in (200, 201), dispute.json()
    dispute_id = dispute.json()["dispute_id"]
    closing = {
        "outcome": "substantiated",
        "note": "已转异议核实",
        "entry_id": "E-TS-2",
        "dispute_id": dispute_id,
    }
    r = client.post(f"/v1/complaints/{number}/close", json=closing, headers=TAX_KEY)
    assert r.status_code == 200, r.json()
    assert (r.json()["entry_id"], r.json()["dispute_id"]) == ("E-TS-2", dispute_id), r.json()


def test_closing_with_a_link_to_nothing_is_404_and_another_department_may_not_close(
    client: TestClient,
) -> None:
    number = _file(client)["complaint_id"]
    closing = {"outcome": "substantiated", "note": "属实", "entry_id": "E-NONE"}
    r = client.post(f"/v1/complaints/{number}/close", json=closing, headers=MARKET_KEY)
    assert r.status_code == 404 and "E-NONE" in r.json()["detail"], r.json()
    other = client.post(f"/v1/complaints/{number}/close", json=closing | {"entry_id": None}, headers=TAX_KEY)
    assert other.status_code == 403, other.json()


def test_intake_is_rate_limited(store: GraphStore, tmp_path: Path) -> None:
    store.upsert_organizations([ORG])
    settings = Settings(api_keys=KEYS, data_dir=tmp_path, public_anonymous=True, rate_limit_per_minute=3)
    audit = MemoryAuditLog()
    body = {"kind": "report", "text": "举报"}
    with TestClient(create_app(settings=settings, store=store, audit_log=audit)) as c:
        codes = [c.post("/v1/complaints", json=body).status_code for _ in range(4)]
    audit.close()
    assert codes == [201, 201, 201, 429], codes
