"""The middleware's request-id read and the metrics' cached children answer as Starlette and prometheus do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client import generate_latest
from starlette.datastructures import Headers

from api.metrics import Metrics
from api.middleware import _given_request_id

_RAW = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")]


@pytest.mark.parametrize(
    "headers",
    [
        [],
        _RAW,
        [*_RAW, (b"x-request-id", b"abc-123")],
        [(b"x-request-id", b"first"), *_RAW, (b"x-request-id", b"second")],
        [(b"x-request-id", b"")],
        [(b"x-request-id", "caf\u00e9".encode("latin-1"))],
        [(b"x-request-idx", b"not-it"), (b"x-request", b"nor-this")],
    ],
)
def test_the_request_id_read_is_the_one_starlettes_headers_give(headers: list[tuple[bytes, bytes]]) -> None:
    expected = Headers(scope={"headers": list(headers)}).get("X-Request-ID")

    assert _given_request_id({"headers": headers}) == expected, headers


def test_repeated_observations_accumulate_on_the_same_series() -> None:
    metrics = Metrics()

    for _ in range(3):
        metrics.observe("POST", "/v1/checks", 200, 0.002)
    metrics.observe("POST", "/v1/checks", 422, 0.001)
    metrics.observe("GET", "/health/live", 200, 0.0001)

    text = generate_latest(metrics.registry).decode()
    assert 'graph_service_requests_total{method="POST",route="/v1/checks",status="200"} 3.0' in text, text
    assert 'graph_service_requests_total{method="POST",route="/v1/checks",status="422"} 1.0' in text, text
    assert 'graph_service_requests_total{method="GET",route="/health/live",status="200"} 1.0' in text, text
    assert 'graph_service_request_duration_seconds_count{method="POST",route="/v1/checks"} 4.0' in text, text


def test_requests_do_not_ask_for_opentelemetry_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    # With FastAPI's native telemetry on, every request asks the global providers whether one was set.
    from fastapi.testclient import TestClient
    from opentelemetry import _logs, metrics, trace

    from api.app import create_app
    from graph_service.config import Settings
    from graph_service.store.memory import MemoryStore

    asked: list[str] = []

    def counted(name: str, original: Callable[[], Any]) -> Callable[[], Any]:
        def provider() -> Any:
            asked.append(name)
            return original()

        return provider

    for module, name in (
        (trace, "get_tracer_provider"),
        (metrics, "get_meter_provider"),
        (_logs, "get_logger_provider"),
    ):
        monkeypatch.setattr(module, name, counted(name, getattr(module, name)))
    with TestClient(create_app(settings=Settings(api_keys={}), store=MemoryStore(None))) as client:
        asked.clear()
        response = client.get("/health/live")

    assert response.status_code == 200, response.text
    assert asked == [], asked
