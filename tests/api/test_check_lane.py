"""The short lane of ``POST /v1/checks`` answers exactly as the route does, and is audited and counted."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph_service.audit import MemoryAuditLog
from graph_service.config import Settings
from graph_service.domain.model import RelationKind
from graph_service.store.memory import MemoryStore
from tests.factories import make_org, make_person, make_relation

KEYS = {
    "k-approval": {"role": "approval", "name": "county-approvals"},
    "k-public": {"role": "public", "name": "portal"},
}
LANE = {"Content-Type": "application/json"}  # what the lane answers
ROUTE = {"Content-Type": "application/json; charset=utf-8"}  # passed on to the FastAPI route
ORG = make_org(1, established_on=dt.date(2015, 1, 1))
REP = make_person(1)


@pytest.fixture
def client() -> Iterator[tuple[TestClient, MemoryAuditLog]]:
    store = MemoryStore(None)
    store.upsert_organizations([ORG, make_org(2)])
    store.upsert_persons([REP])
    lr = RelationKind.LEGAL_REPRESENTATIVE
    store.upsert_relations(
        [
            make_relation(lr, REP.key, ORG.uscc, dt.date(2016, 1, 1)),
            make_relation(lr, REP.key, make_org(2).uscc, dt.date(2020, 1, 1)),
        ]
    )
    audit = MemoryAuditLog()
    settings = Settings(api_keys=KEYS, rate_limit_per_minute=0)
    with TestClient(create_app(settings=settings, store=store, audit_log=audit)) as test_client:
        yield test_client, audit
    audit.close()
    store.close()


def _post(client: TestClient, body: Any, key: str | None, headers: dict[str, str]) -> tuple[int, Any]:
    sent = {**headers, **({"X-API-Key": key} if key else {})}
    response = client.post("/v1/checks", content=_json(body), headers=sent)
    payload = response.json()
    if isinstance(payload, dict):
        payload.pop("check_id", None)
        payload.pop("request_id", None)
        if isinstance(payload.get("detail"), str) and "request id" in payload["detail"]:
            payload.pop("detail")
    return response.status_code, payload


def _json(body: Any) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body).encode()


CASES = [
    pytest.param({"subject_id": ORG.uscc, "scenario": "bidding", "as_of": "2026-11-23"}, "k-approval"),
    pytest.param({"subject_id": REP.key, "scenario": "bidding", "depth": 2}, "k-approval", id="person"),
    pytest.param({"subject_id": ORG.uscc, "scenario": "bidding"}, None, id="no-key"),
    pytest.param({"subject_id": ORG.uscc, "scenario": "bidding"}, "k-wrong", id="unknown-key"),
    pytest.param({"subject_id": ORG.uscc, "scenario": "bidding"}, "k-public", id="role-refused"),
    pytest.param({"subject_id": ORG.uscc[:-1] + "0", "scenario": "bidding"}, "k-approval", id="check-char"),
    pytest.param({"subject_id": ORG.uscc, "scenario": "nope"}, "k-approval", id="bad-field"),
    pytest.param({"subject_id": ORG.uscc, "scenario": "bidding", "extra": 1}, "k-approval", id="extra-field"),
    pytest.param(b'{"subject_id": ', "k-approval", id="broken-json"),
    pytest.param(b"", "k-approval", id="empty-body"),
]


@pytest.mark.parametrize(("body", "key"), CASES)
def test_the_lane_answers_as_the_route_does(
    client: tuple[TestClient, MemoryAuditLog], body: Any, key: str | None
) -> None:
    test_client, _ = client
    assert _post(test_client, body, key, LANE) == _post(test_client, body, key, ROUTE)


def test_a_check_answered_by_the_lane_is_audited_and_counted_under_its_route(
    client: tuple[TestClient, MemoryAuditLog],
) -> None:
    test_client, audit = client
    status, payload = _post(test_client, {"subject_id": ORG.uscc, "scenario": "bidding"}, "k-approval", LANE)
    assert status == 200, payload
    records = audit.query(action="check")
    assert [(r.client, r.subject_id) for r in records] == [("county-approvals", ORG.uscc)]
    metrics = test_client.get("/metrics").text
    assert 'route="/v1/checks",status="200"' in metrics, metrics[:2000]
