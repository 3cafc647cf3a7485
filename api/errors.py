"""Every error the API returns is problem+json (RFC 9457) with a message a person can act on.

One handler maps the service's error tree (``GraphServiceError``: status and title travel with the error),
one maps request validation, one maps Starlette's HTTP errors (unknown route, wrong method). Anything else
becomes a 500 in :class:`api.middleware.RequestContextMiddleware`, logged with the request id, and
without a stack trace in the body. Problem bodies are masked like answers when the caller may not see
full ID numbers (a Conflict may name a person).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from graph_service.errors import BackendUnavailable, GraphServiceError
from graph_service.services.masking import mask_payload, masks_ids

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://graph-service/errors/"
RETRY_AFTER_S = 5
_MAX_VALUE_CHARS = 200
_FASTAPI_BODY_ERROR = "There was an error parsing the body"


class Unauthorized(GraphServiceError):
    """No API key, or one that is not configured."""

    status = 401
    title = "Unauthorized"


class Forbidden(GraphServiceError):
    """A known key whose role may not call this endpoint."""

    status = 403
    title = "Forbidden"


class PayloadTooLarge(GraphServiceError):
    status = 413
    title = "Payload too large"


class FieldError(BaseModel):
    field: str = Field(examples=["body.subject_id"])
    value: Any = Field(default=None, examples=["91430923MA4L0000XX"])
    reason: str = Field(examples=["USCC check character is X, expected 7"])


class ProblemDetails(BaseModel):
    """The body of every error response (``application/problem+json``)."""

    type: str = Field(examples=["https://graph-service/errors/invalid-input"])
    title: str = Field(examples=["Invalid input"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["body.subject_id: USCC check character is X, expected 7 (got '…')"])
    errors: list[FieldError] = Field(default_factory=list)
    request_id: str | None = Field(default=None, examples=["4f1c2a9e0b7d4e55a3c2f1e0d9b8a7c6"])


def _problem_doc(description: str) -> dict[str, Any]:
    return {"model": ProblemDetails, "description": description, "content": {PROBLEM_MEDIA_TYPE: {}}}


# For routers: ``APIRouter(..., responses=PROBLEM_RESPONSES)`` documents the error shape in /docs.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _problem_doc("No API key, or an unknown one (header X-API-Key)"),
    403: _problem_doc("The key's role may not call this endpoint"),
    422: _problem_doc("Invalid input: `errors` names each field, the value given and the reason"),
    503: _problem_doc("The graph store is unavailable; retry after the Retry-After seconds"),
}


def problem_type(title: str) -> str:
    """``Invalid input`` -> ``https://graph-service/errors/invalid-input``."""
    return PROBLEM_TYPE_BASE + "-".join(title.lower().split())


def problem_response(
    request_or_scope: Request | Mapping[str, Any],
    *,
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A problem+json response carrying the request id (and masked if the caller may not see IDs)."""
    scope = request_or_scope.scope if isinstance(request_or_scope, Request) else request_or_scope
    state: dict[str, Any] = scope.get("state") or {}
    body: dict[str, Any] = {
        "type": problem_type(title),
        "title": title,
        "status": status,
        "detail": detail,
        "errors": [_plain_error(e) for e in errors or []],
        "request_id": state.get("request_id"),
    }
    caller = state.get("caller")
    if caller is None or masks_ids(caller.role):
        body = mask_payload(body)
    # "replace": a value quoted back may hold an unpaired surrogate (JSON allows "\\ud800"), which
    # UTF-8 cannot encode; it is shown as "?" rather than failing the error response itself.
    content = json.dumps(body, ensure_ascii=False, default=str).encode("utf-8", errors="replace")
    return Response(content, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_MEDIA_TYPE)


def _plain_error(error: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "field": str(error.get("field", "")),
        "value": _short(error.get("value")),
        "reason": str(error.get("reason", "")),
    }


def _short(value: Any) -> Any:
    """The value as given (JSON-able), unless it is too long to help in an error: then a cut text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    try:
        value = jsonable_encoder(value)
    except ValueError:  # an object pydantic cannot encode: its text is still informative
        value = str(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return value if len(text) <= _MAX_VALUE_CHARS else text[:_MAX_VALUE_CHARS] + "…"


# ---- handlers ---------------------------------------------------------------------------------------


async def _service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GraphServiceError)
    headers: dict[str, str] = {}
    if isinstance(exc, BackendUnavailable):
        headers["Retry-After"] = str(RETRY_AFTER_S)
        metrics = getattr(getattr(request.app.state, "ctx", None), "metrics", None)
        if metrics is not None:
            metrics.store_errors.inc()
    return problem_response(
        request, status=exc.status, title=exc.title, detail=exc.detail, errors=exc.errors, headers=headers
    )


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [_field_error(err) for err in exc.errors()]
    parts = [f"{e['field']}: {e['reason']}" + _given(e) for e in errors]
    count = f"{len(errors)} invalid fields" if len(errors) > 1 else "an invalid field"
    detail = f"The request has {count}: " + "; ".join(parts)
    return problem_response(request, status=422, title="Invalid input", detail=detail, errors=errors)


def _field_error(err: Mapping[str, Any]) -> dict[str, Any]:
    reason = str(err.get("msg", "invalid"))
    ctx = err.get("ctx") or {}
    if err.get("type") == "json_invalid" and "error" in ctx:
        reason = f"{reason}: {ctx['error']}"
    missing = err.get("type") == "missing"  # pydantic's input is then the enclosing object, not the field
    return {
        "field": ".".join(str(part) for part in err.get("loc", ())),
        "value": None if missing else err.get("input"),
        "reason": reason,
    }


def _given(error: Mapping[str, Any]) -> str:
    if error["value"] is None:
        return ""
    return f" (got {_short(error['value'])!r})"


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    title = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail, default=str)
    if exc.status_code == 404 and detail == title:
        detail = f"No endpoint at {request.url.path}; see /docs for the API"
    if exc.status_code == 400 and detail == _FASTAPI_BODY_ERROR:
        if isinstance(exc.__cause__, RecursionError):
            return _too_deep(request)
        # FastAPI's text names no cause; the usual one is a body in a legacy encoding (GBK from Excel).
        detail = (
            "The request body could not be read: send JSON encoded as UTF-8 (Content-Type: application/json)"
        )
    return problem_response(request, status=exc.status_code, title=title, detail=detail, headers=exc.headers)


def _too_deep(request: Request) -> Response:
    """422 for JSON nested past the parser's limit (Python's recursion limit), naming the limit.

    No request of this API nests more than a few levels, so such a body is an attack or a broken client;
    it is refused before anything runs, like any invalid field.
    """
    limit = sys.getrecursionlimit()
    detail = (
        f"The request body nests JSON arrays or objects deeper than the limit of about {limit} levels; "
        "no request of this API nests more than a few levels."
    )
    errors = [{"field": "body", "value": None, "reason": f"nested deeper than {limit} levels"}]
    return problem_response(request, status=422, title="Invalid input", detail=detail, errors=errors)


def install_error_handlers(app: FastAPI) -> None:
    """Register the problem+json handlers on ``app``."""
    app.add_exception_handler(GraphServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
