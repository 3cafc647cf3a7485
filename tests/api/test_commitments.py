"""Credit commitments over HTTP on both backends: 容缺受理 met in time, or breached → entry → next check."""

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
from tests.factories import make_org

APPROVALS = "县行政审批服务局"
KEYS = {
    "k-approvals": {"role": "approval", "name": APPROVALS},
    "k-other": {"role": "approval", "name": "县住建局"},
    "k-initiator": {"role": "initiator", "name": "县信用办"},
    "k-public": {"role": "public", "name": "portal"},
}
CLERK, OTHER_CLERK, INITIATOR, PUBLIC = ({"X-API-Key": k} for k in KEYS)
ORG = make_org(1)


class Clock:
    def __init__(self) -> None:
        self.at = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)

    def on(self, day: str) -> None:
        self.at = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12), dt.UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(store: GraphStore, tmp_path: Path, clock: Clock) -> Iterator[TestClient]:
    store.upsert_organizations([ORG])
    audit = MemoryAuditLog()
    app = create_app(settings=Settings(api_keys=KEYS, data_dir=tmp_path), store=store, audit_log=audit)

    async def fixed_now() -> dt.datetime:
        return clock.at

    app.dependency_overrides[now] = fixed_now
    with TestClient(app) as c:
        yield c
    audit.close()


def _deferred(commitment_id: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "commitment_id": commitment_id,
        "subject_id": ORG.uscc,
        "kind": "deferred_materials",
        "text": "承诺于2026年3月31日前补齐消防验收意见书",
        "department": APPROVALS,
        "matter": "建筑工程施工许可",
        "materials": ["消防验收意见书"],
        "signed_on": "2026-03-01",
        "due_on": "2026-03-31",
    }
    return body | fields


def _check(client: TestClient, day: str) -> dict[str, Any]:
    r = client.post(
        "/v1/checks",
        json={"subject_id": ORG.uscc, "scenario": "administrative_license", "as_of": day},
        headers=CLERK,
    )
    assert r.status_code == 200, r.json()
    body: dict[str, Any] = r.json()
    return body


def test_materials_confirmed_in_time_meet_the_commitment_and_nothing_is_recorded(
    client: TestClient, clock: Clock
) -> None:
    r = client.post("/v1/commitments", json=_deferred("CM-1"), headers=CLERK)
    assert r.status_code == 201, r.json()
    assert r.json()["status"] == "pending", r.json()
    clock.on("2026-03-31")  # the last day is still in time
    r = client.post("/v1/commitments/CM-1/confirm", json={}, headers=CLERK)
    assert r.status_code == 200, r.json()
    assert (r.json()["status"], r.json()["confirmed_on"]) == ("met", "2026-03-31"), r.json()
    clock.on("2026-04-05")
    r = client.post("/v1/commitments/breaches", headers=INITIATOR)
    assert r.status_code == 200 and r.json() == [], r.json()
    assert _check(client, "2026-04-05")["hits"] == []


def test_a_breached_commitment_is_recorded_through_the_lifecycle_and_the_next_check_shows_it(
    client: TestClient, clock: Clock
) -> None:
    assert client.post("/v1/commitments", json=_deferred("CM-2"), headers=CLERK).status_code == 201
    clock.on("2026-03-31")
    assert client.post("/v1/commitments/breaches", headers=INITIATOR).json() == []  # not yet overdue
    clock.on("2026-04-01")
    r = client.post("/v1/commitments/breaches", headers=INITIATOR)
    assert r.status_code == 200, r.json()
    [breach] = r.json()
    assert breach["entry_id"] == "CB-CM-2" and breach["commitment"]["status"] == "breached", breach
    assert client.post("/v1/commitments/breaches", headers=INITIATOR).json() == []  # recorded once
    check = _check(client, "2026-04-01")
    assert check["verdict"] != "pass", check
    assert ("watch_review", "CB-CM-2", "self") in {
        (m["measure"], m["entry_id"], m["via"]) for m in check["measures"]
    }, check
    entry = client.get("/v1/entries/CB-CM-2", headers=INITIATOR)
    assert entry.status_code == 200, entry.json()
    assert (entry.json()["entry"]["list"], entry.json()["entry"]["initiating_dept"]) == ("watch", APPROVALS)
    late = client.post("/v1/commitments/CM-2/confirm", json={"day": "2026-04-02"}, headers=CLERK)
    assert late.status_code == 409, late.json()


def test_only_the_receiving_department_confirms(client: TestClient) -> None:
    assert client.post("/v1/commitments", json=_deferred("CM-3"), headers=CLERK).status_code == 201
    r = client.post("/v1/commitments/CM-3/confirm", json={}, headers=OTHER_CLERK)
    assert r.status_code == 403, r.json()
    r = client.post("/v1/commitments", json=_deferred("CM-4"), headers=OTHER_CLERK)
    assert r.status_code == 403, r.json()


def test_a_published_public_commitment_is_open_to_the_public(client: TestClient) -> None:
    general = {
        "commitment_id": "CM-5",
        "subject_id": ORG.uscc,
        "kind": "general",
        "text": "依法诚信经营，自觉接受社会监督",
        "department": APPROVALS,
        "signed_on": "2026-02-01",
    }
    r = client.post("/v1/commitments", json=general, headers=CLERK)
    assert r.status_code == 201 and r.json()["status"] == "in_force", r.json()
    assert client.get("/v1/commitments/published", headers=PUBLIC).json() == []
    assert client.post("/v1/commitments/CM-5/publish", headers=CLERK).json()["published"] is True
    published = client.get("/v1/commitments/published", params={"subject_id": ORG.uscc}, headers=PUBLIC)
    assert [c["commitment_id"] for c in published.json()] == ["CM-5"], published.json()
    listed = client.get("/v1/commitments", params={"subject_id": ORG.uscc}, headers=CLERK)
    assert [c["commitment_id"] for c in listed.json()] == ["CM-5"], listed.json()


def test_a_deferred_commitment_without_a_due_day_is_refused(client: TestClient) -> None:
    r = client.post("/v1/commitments", json=_deferred("CM-6", due_on=None), headers=CLERK)
    assert r.status_code == 422, r.json()
