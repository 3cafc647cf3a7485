"""A short lane for ``POST /v1/checks``: the well-formed check answered without FastAPI's request machinery.

A check is the call approval systems make on every decision, and on the embedded store its own work is
a fraction of a millisecond; FastAPI's routing, dependency solving and body handling cost about as much
again. This ASGI middleware, the innermost of the app's (after the request id, rate limit and body limit
have done their part), answers the ordinary case itself with what the route uses — the same role check
(:data:`~api.routers.checks.CHECKERS`), the same body model validated the way FastAPI validates it
(``json.loads`` then the model), the same :func:`~api.routers.checks.answer` — and hands every other
request to the app untouched: another path or method, a body that is not plain valid JSON of the model
(FastAPI then words the 422), a non-JSON content type, or an app whose dependencies are overridden (the
tests' fixed clock). So the route's rules, answers and error messages stay the route's, written once.

An error raised once the check is admitted (a wrong check character, an audit that cannot write) goes to
the app's exception handlers, as FastAPI's exception middleware would send it.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.clock import now
from api.deps import context_of
from api.routers.checks import CHECKERS, answer, router
from graph_service.services.checks.models import CheckRequest

PATH = "/v1/checks"


class CheckLaneMiddleware:
    """Answer a well-formed ``POST /v1/checks`` directly; pass everything else on to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._route: Any = None  # the app's route of PATH, for the metrics' and access log's template

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        fastapi_app: FastAPI = scope["app"]
        if fastapi_app.dependency_overrides or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        scope["route"] = self._route_of()
        try:
            # Admitted (or refused, 401/403) before the body is looked at, as by the route's dependency.
            caller = await CHECKERS(request)
            body = await request.body()
            try:
                item = CheckRequest.model_validate(json.loads(body))
            except Exception:  # anything FastAPI would word (invalid JSON, fields): the route answers it
                await self.app(scope, _replay(body, receive), send)
                return
            response = await answer(context_of(request), caller, item, (await now()).date())
        except Exception as exc:
            handler = _handler_for(fastapi_app, exc)
            if handler is None:
                raise
            response = await handler(request, exc)
        await response(scope, receive, send)

    def _route_of(self) -> Any:
        """The route's own object, as FastAPI's router puts it in the scope."""
        if self._route is None:
            self._route = next(
                route
                for route in router.routes
                if getattr(route, "path", None) == PATH and "POST" in getattr(route, "methods", ())
            )
        return self._route


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bool(value == b"application/json")
    return False


def _replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` giving ``body`` again first (it has been read here), then what the server sends."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


def _handler_for(app: FastAPI, exc: Exception) -> Any:
    """The handler the app's exception middleware would pick for ``exc`` (the nearest class), or None."""
    handlers: dict[Any, Any] = app.exception_handlers
    for cls in type(exc).__mro__:
        if cls in handlers and cls is not Exception:
            return handlers[cls]
    return None
