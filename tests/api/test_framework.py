"""The API framework: probes, problem+json errors, request ids, body limit, logs, metrics, OpenAPI."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from graph_service.errors import BackendUnavailable
from graph_service.logging import JsonFormatter
from graph_service.store.memory import MemoryStore
from tests.api.framework_app import (
    ADMIN,
    APPROVAL,
    MASKED_ID,
    USCC,
    assert_problem,
    build,
)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(build(tmp_path), raise_server_exceptions=False) as test_client:
        yield test_client


# ---- probes ------------------------------------------------------------------------------------------


def test_liveness_needs_no_key_and_is_always_ok(client: TestClient) -> None:
    response = client.get("/health/live")
    assert (response.status_code, response.json()) == (200, {"status": "ok"}), response.text


def test_readiness_is_ok_when_the_store_answers(client: TestClient) -> None:
    response = client.get("/health/ready")
    assert (response.status_code, response.json()) == (200, {"status": "ready"}), response.text


class DownStore(MemoryStore):
    def ping(self) -> None:
        raise BackendUnavailable("Neo4j at bolt://127.0.0.1:7687 refused the connection")


def test_readiness_is_503_with_retry_after_when_the_store_is_down(tmp_path: Path) -> None:
    with TestClient(build(tmp_path, store=DownStore(None))) as down:
        response = down.get("/health/ready")
        metrics = down.get("/metrics").text

    body = assert_problem(response, 503, "backend-unavailable")
    assert "refused the connection" in body["detail"], body
    assert int(response.headers["retry-after"]) > 0, response.headers
    assert "graph_service_store_errors_total 1.0" in metrics, metrics


# ---- problem+json -------------------------------------------------------------------------------


def test_a_service_not_found_is_a_404_problem_masked_for_the_caller(client: TestClient) -> None:
    body = assert_problem(client.get("/test/not-found", headers=APPROVAL), 404, "not-found")
    assert body["detail"] == f"subject {MASKED_ID} is not stored", body


def test_an_unknown_route_is_a_404_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/nowhere"), 404, "not-found")
    assert "/v1/nowhere" in body["detail"], body


def test_a_conflict_is_a_409_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/test/conflict", headers=ADMIN), 409, "conflict")
    assert body["detail"].startswith("entry E1 was changed"), body


def test_an_invalid_field_is_a_422_naming_the_field_and_the_value(client: TestClient) -> None:
    response = client.post("/test/echo", json={"subject_id": USCC, "depth": 9}, headers=ADMIN)
    body = assert_problem(response, 422, "invalid-input")
    assert body["errors"] == [
        {"field": "body.depth", "value": 9, "reason": "Input should be less than or equal to 4"}
    ], body
    assert "body.depth" in body["detail"] and "9" in body["detail"], body


def test_a_missing_field_is_a_422_with_no_value(client: TestClient) -> None:
    body = assert_problem(client.post("/test/echo", json={}, headers=ADMIN), 422, "invalid-input")
    assert body["errors"] == [{"field": "body.subject_id", "value": None, "reason": "Field required"}], body


def test_malformed_json_is_a_422_saying_what_is_wrong(client: TestClient) -> None:
    response = client.post(
        "/test/echo", content=b'{"subject_id": ', headers={**ADMIN, "content-type": "application/json"}
    )
    body = assert_problem(response, 422, "invalid-input")
    assert body["errors"][0]["reason"].startswith("JSON decode error: Expecting value"), body


def test_an_oversized_body_is_a_413_before_parsing(tmp_path: Path) -> None:
    with TestClient(build(tmp_path, max_body_bytes=100)) as small:
        declared = small.post("/test/echo", json={"subject_id": "x" * 200}, headers=ADMIN)
        chunked = small.post(
            "/test/echo", content=iter([b'{"subject_id": "', b"x" * 200, b'"}']), headers=ADMIN
        )
        fits = small.post("/test/echo", json={"subject_id": "x" * 10}, headers=ADMIN)

    body = assert_problem(declared, 413, "payload-too-large")
    assert "limit is 100 bytes" in body["detail"], body
    assert_problem(chunked, 413, "payload-too-large")
    assert fits.status_code == 200, fits.text


def test_an_unexpected_error_is_a_500_without_internals_logged_with_the_request_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="graph_service.errors"):
        response = client.get("/test/crash", headers={"X-Request-ID": "crash-1"})

    body = assert_problem(response, 500, "internal-error")
    assert "secret internals" not in response.text and "Traceback" not in response.text, body
    assert "crash-1" in body["detail"], body
    [logged] = [r for r in caplog.records if r.name == "graph_service.errors"]
    assert logged.exc_info is not None and "secret internals" in str(logged.exc_info[1])
    assert getattr(logged, "route", None) == "/test/crash", vars(logged)


# ---- request ids --------------------------------------------------------------------------------


def test_a_sane_request_id_is_echoed_and_reaches_error_bodies(client: TestClient) -> None:
    response = client.get("/test/conflict", headers={**ADMIN, "X-Request-ID": "abc-123.x"})
    assert response.headers["x-request-id"] == "abc-123.x", response.headers
    assert response.json()["request_id"] == "abc-123.x", response.json()


@pytest.mark.parametrize("given", ["has spaces", "x" * 200, "<script>", ""])
def test_an_insane_request_id_is_replaced(client: TestClient, given: str) -> None:
    response = client.get("/health/live", headers={"X-Request-ID": given})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"]), response.headers


# ---- metrics and OpenAPI ------------------------------------------------------------------------


def test_metrics_count_requests_by_route_template_and_status(client: TestClient) -> None:
    client.get("/health/live")
    client.post(f"/test/checked/{USCC}", headers=APPROVAL)
    client.get("/v1/nowhere")

    text = client.get("/metrics").text

    assert 'graph_service_requests_total{method="GET",route="/health/live",status="200"} 1.0' in text, text
    assert 'route="/test/checked/{subject_id}",status="200"} 1.0' in text, text
    assert 'graph_service_requests_total{method="GET",route="<unmatched>",status="404"} 1.0' in text, text
    assert 'graph_service_request_duration_seconds_count{method="GET",route="/health/live"} 1.0' in text, text
    assert USCC not in text  # paths never become labels


def test_apps_created_twice_in_one_process_keep_separate_metrics(tmp_path: Path) -> None:
    with TestClient(build(tmp_path / "a")) as a, TestClient(build(tmp_path / "b")) as b:
        a.get("/health/live")
        text_b = b.get("/metrics").text
    assert 'route="/health/live"' not in text_b, text_b


def test_openapi_declares_the_api_key_header(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "graph_service" and spec["info"]["version"], spec["info"]
    assert spec["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "The API key you were given; its role decides which endpoints you may call.",
    }, spec["components"]["securitySchemes"]
    assert {"ApiKey": []} in spec["paths"]["/v1/audit"]["get"]["security"], spec["paths"]["/v1/audit"]


def test_each_request_writes_one_json_access_line_with_request_id_route_status_and_duration(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="graph_service.access"):
        client.post(f"/test/checked/{USCC}", headers={**APPROVAL, "X-Request-ID": "trace-7"})

    [record] = [r for r in caplog.records if r.name == "graph_service.access"]
    line = json.loads(JsonFormatter().format(record))

    assert {k: line[k] for k in ("level", "msg", "request_id", "route", "method", "status")} == {
        "level": "INFO",
        "msg": "request",
        "request_id": "trace-7",
        "route": "/test/checked/{subject_id}",
        "method": "POST",
        "status": 200,
    }, line
    assert line["duration_ms"] >= 0 and line["ts"].endswith("+00:00"), line
    assert USCC not in json.dumps(line)  # the route template is logged, never the path with its ids
