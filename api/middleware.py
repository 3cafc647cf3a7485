"""ASGI middleware: request id, access log, metrics and last-resort 500s; and the request body limit.

Plain ASGI rather than ``BaseHTTPMiddleware``: no extra task per request on the latency-sensitive check
path, and the context variable holding the request id reaches the handler (and its worker thread).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import PayloadTooLarge, problem_response
from api.metrics import UNMATCHED_ROUTE, Metrics
from graph_service.logging import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
# Accept a caller's id only if it is short and plain, so it is safe in logs, headers and the audit.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")

access_log = logging.getLogger("graph_service.access")
error_log = logging.getLogger("graph_service.errors")


_REQUEST_ID_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")


def _given_request_id(scope: Scope) -> str | None:
    """The caller's first ``X-Request-ID``, as ``Headers(scope=scope).get`` reads it (a scan of the raw
    headers, without building the mapping: every request asks)."""
    for name, value in scope["headers"]:
        if name == _REQUEST_ID_KEY:
            return str(value.decode("latin-1"))
    return None


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


class RequestContextMiddleware:
    """Give every request an id, echo it, log one access line, count it, and turn crashes into 500s."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _given_request_id(scope)
        request_id = given if given and _SANE_REQUEST_ID.match(given) else uuid.uuid4().hex
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.lower().encode("latin-1"), request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Only the log gets the stack trace; the caller gets the request id to quote.
            error_log.exception(
                "unhandled error", extra={"request_id": request_id, "route": _route_template(scope)}
            )
            if response_started:
                raise  # half-sent: only the server can end this response (it drops the connection)
            response = problem_response(
                scope,
                status=500,
                title="Internal error",
                detail=f"The service failed to answer. Quote request id {request_id} when reporting it.",
            )
            await response(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = _route_template(scope)
            self.metrics.observe(scope["method"], route, status, seconds)
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )
            request_id_var.reset(token)


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413 before anything parses them.

    A declared ``Content-Length`` is checked up front (the server guarantees the body matches it). A body
    without one (chunked) is read here up to the limit and then replayed to the app.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        larger: Mapping[str, tuple[int, str]] | None = None,
        *,
        setting: str = "GRAPH_SERVICE_MAX_BODY_BYTES",
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.setting = setting
        # Paths whose bodies may be larger (an uploaded export): path -> (limit, the setting naming it).
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("path") in self.larger:
            limit, setting = self.larger[scope["path"]]
            await BodyLimitMiddleware(self.app, limit, setting=setting)(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.max_bytes:
                await self._refuse(scope, receive, send, f"{declared} bytes")
                return
            await self.app(scope, receive, send)
            return
        if "chunked" not in headers.get("transfer-encoding", "").lower():
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(scope, receive, send, f"more than {self.max_bytes} bytes")
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, size: str) -> None:
        error = PayloadTooLarge(
            f"The request body has {size}; the limit is {self.max_bytes} bytes "
            f"({self.setting}). Send smaller batches."
        )
        response = problem_response(scope, status=error.status, title=error.title, detail=error.detail)
        await response(scope, receive, send)
