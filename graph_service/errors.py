"""One error tree for the whole service.

Only ``api/`` turns these into HTTP responses (problem+json); everything below raises them with a message
a person can act on. ``status`` is the HTTP status the API layer will use.
"""

from __future__ import annotations

from typing import Any


class GraphServiceError(Exception):
    """Base of every error the service raises on purpose."""

    status: int = 500
    title: str = "Internal error"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class NotFound(GraphServiceError):
    status = 404
    title = "Not found"


class InvalidInput(GraphServiceError):
    """Input that fails validation; ``errors`` lists ``{"field", "value", "reason"}`` items."""

    status = 422
    title = "Invalid input"

    @classmethod
    def for_field(cls, field: str, value: object, reason: str) -> InvalidInput:
        return cls(
            f"{field}: {reason} (got {value!r})",
            errors=[{"field": field, "value": value, "reason": reason}],
        )


class NotPermitted(GraphServiceError):
    """The caller's role may call this, but not on this object (another department's entry or task)."""

    status = 403
    title = "Forbidden"


class Conflict(GraphServiceError):
    """The request clashes with stored state (duplicate id, illegal transition, second writer)."""

    status = 409
    title = "Conflict"


class BackendUnavailable(GraphServiceError):
    """The graph store cannot be reached; callers may retry later."""

    status = 503
    title = "Backend unavailable"
