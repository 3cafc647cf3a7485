"""Operability: probes, metrics, JSON logs, and one request id in the log, the error body and the audit."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_service.logging import configure_logging
from tests.api.security_support import HEADERS, ORG, SecApi, open_api


@pytest.fixture
def api(tmp_path: Path) -> Iterator[SecApi]:
    with open_api(tmp_path) as opened:
        yield opened


def test_probes_and_metrics_answer_without_a_key(api: SecApi) -> None:
    assert api.client.get("/health/live").json() == {"status": "ok"}
    assert api.client.get("/health/ready").json() == {"status": "ready"}
    api.client.post(
        "/v1/checks", json={"subject_id": ORG.uscc, "scenario": "bidding"}, headers=HEADERS["approval"]
    )
    metrics = api.client.get("/metrics")
    assert metrics.status_code == 200, metrics.text
    assert 'route="/v1/checks"' in metrics.text, metrics.text[:2000]


def test_one_request_id_is_in_the_log_the_answer_and_the_audit_of_a_check(tmp_path: Path) -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream)
    try:
        with open_api(tmp_path) as api:
            response = api.client.post(
                "/v1/checks",
                json={"subject_id": ORG.uscc, "scenario": "bidding"},
                headers={**HEADERS["approval"], "X-Request-ID": "req-check-1"},
            )
            assert response.status_code == 200, response.text
            records = api.audit.query(action="check", limit=10)
    finally:
        configure_logging("INFO", io.StringIO())
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if line.get("logger") == "graph_service.access"]
    assert response.headers["x-request-id"] == "req-check-1", response.headers
    assert [r.request_id for r in records] == ["req-check-1"], records
    assert any(line["request_id"] == "req-check-1" and line["route"] == "/v1/checks" for line in access), (
        lines
    )


def test_an_error_carries_the_same_request_id_in_body_header_and_log(tmp_path: Path) -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream)
    try:
        with open_api(tmp_path) as api:
            response = api.client.get("/v1/graph/subjects/not-an-id", headers=HEADERS["investigator"])
    finally:
        configure_logging("INFO", io.StringIO())
    body = response.json()
    assert response.status_code in (404, 422), body
    request_id = response.headers["x-request-id"]
    assert body["request_id"] == request_id, body
    logged = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert any(
        line.get("request_id") == request_id and line.get("status") == response.status_code for line in logged
    ), logged


@pytest.mark.parametrize(
    ("method", "url", "params", "json_body", "role", "action"),
    [
        ("POST", "/v1/checks", {}, {"subject_id": ORG.uscc, "scenario": "bidding"}, "approval", "check"),
        ("GET", f"/v1/subjects/{ORG.uscc}", {}, None, "approval", "subject.view"),
        ("GET", f"/v1/graph/subjects/{ORG.uscc}", {}, None, "investigator", "graph.explore"),
        ("GET", "/v1/graph/search", {"q": "测试"}, None, "investigator", "graph.explore"),
        ("GET", "/v1/audit", {}, None, "admin", "audit.query"),
    ],
)
def test_checks_lookups_and_exploration_are_audited_with_the_request_id(
    api: SecApi, method: str, url: str, params: dict[str, str], json_body: object, role: str, action: str
) -> None:
    response = api.client.request(method, url, params=params, json=json_body, headers=HEADERS[role])
    assert response.status_code == 200, response.text
    records = api.audit.query(action=action, limit=100)
    assert [r.request_id for r in records] == [response.headers["x-request-id"]], records
    assert records[0].role == role and records[0].client == f"{role}-client", records[0]
