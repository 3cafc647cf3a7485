"""Dependencies routers declare: the app's resources and the authenticated caller.

Usage in a router::

    Approver = Annotated[Caller, Depends(require_roles("approval", "initiator"))]

    @router.post("/checks")
    def check(body: CheckRequest, caller: Approver, store: StoreDep, audit: AuditDep) -> JSONResponse: ...
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, cast, get_args

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from api.auth import ANONYMOUS, Caller
from api.context import AppContext
from api.errors import Forbidden, Unauthorized
from graph_service.audit import AuditLog
from graph_service.config import Role, Settings
from graph_service.domain.measures import Catalog
from graph_service.services.workflow.authority import Decider
from graph_service.services.workflow.state import Policy
from graph_service.store.base import GraphStore

API_KEY_HEADER = "X-API-Key"
ROLES = frozenset(get_args(Role))

# auto_error=False: a missing key is our 401 problem+json, not FastAPI's plain 403.
api_key_scheme = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    scheme_name="ApiKey",
    description="The API key you were given; its role decides which endpoints you may call.",
)


def context_of(request: Request) -> AppContext:
    """The app's resources."""
    return cast(AppContext, request.app.state.ctx)


# The dependencies are ``async`` only to skip FastAPI's thread pool: none of them blocks.


async def get_context(request: Request) -> AppContext:
    return context_of(request)


async def get_store(request: Request) -> GraphStore:
    return context_of(request).store


async def get_settings(request: Request) -> Settings:
    return context_of(request).settings


async def get_audit(request: Request) -> AuditLog:
    return context_of(request).audit


async def get_catalog(request: Request) -> Catalog:
    return context_of(request).catalog


async def get_policy(request: Request) -> Policy:
    return context_of(request).policy


def request_id_of(request: Request) -> str:
    """The id the request middleware gave this request."""
    return str(request.state.request_id)


def _caller(request: Request, api_key: str | None) -> Caller:
    """The caller presenting ``api_key`` (the ``X-API-Key`` header): 401 without a key or an unknown one.

    With ``public_anonymous`` set, a request without a key is the anonymous caller with role ``public``.
    """
    ctx = context_of(request)
    request_id = request_id_of(request)
    if not api_key:
        if not ctx.settings.public_anonymous:
            raise Unauthorized(f"No API key: send your key in the {API_KEY_HEADER} header.")
        caller = Caller(name=ANONYMOUS, role="public", request_id=request_id)
    else:
        info = ctx.keys.identify(api_key)
        if info is None:
            raise Unauthorized(
                f"Unknown API key in the {API_KEY_HEADER} header: check it was copied whole (keys are "
                "case-sensitive) or ask the administrator for a key."
            )
        caller = Caller(name=info.name, role=info.role, request_id=request_id)
    request.state.caller = caller  # lets error responses mask for this caller's role
    return caller


async def get_caller(request: Request, api_key: Annotated[str | None, Security(api_key_scheme)]) -> Caller:
    """The caller behind the ``X-API-Key`` header: 401 without a key or with an unknown one.

    With ``public_anonymous`` set, a request without a key is the anonymous caller with role ``public``.
    """
    return _caller(request, api_key)


StoreDep = Annotated[GraphStore, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
AuditDep = Annotated[AuditLog, Depends(get_audit)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
PolicyDep = Annotated[Policy, Depends(get_policy)]
ContextDep = Annotated[AppContext, Depends(get_context)]
CallerDep = Annotated[Caller, Depends(get_caller)]


class RoleKey(APIKeyHeader):
    """The ``X-API-Key`` scheme of a route open to some roles: one dependency that reads the key,
    identifies the caller (as :func:`get_caller`) and admits its role, returning the caller.

    One dependency rather than three chained ones (the role check over :func:`get_caller` over the
    header scheme): FastAPI's per-request cost is per dependency, and every route pays it. Being an
    ``APIKeyHeader`` (same name, scheme name and description as :data:`api_key_scheme`), it still puts
    the ``ApiKey`` security requirement in the OpenAPI document.
    """

    def __init__(self, allowed: frozenset[str]) -> None:
        super().__init__(
            name=API_KEY_HEADER,
            auto_error=False,
            scheme_name=api_key_scheme.scheme_name,
            description=api_key_scheme.model.description,
        )
        self.allowed = allowed
        self.allowed_text = ", ".join(sorted(allowed))

    async def __call__(self, request: Request) -> Caller:  # type: ignore[override]
        caller = _caller(request, request.headers.get(API_KEY_HEADER))
        if caller.role not in self.allowed:
            raise Forbidden(
                f"Role {caller.role!r} may not call this endpoint; allowed roles: {self.allowed_text}."
            )
        return caller


def require_roles(*roles: Role) -> Callable[[Request], Awaitable[Caller]]:
    """A dependency that admits callers with one of ``roles`` (admin always) and returns the caller.

    401 as :func:`get_caller`; 403 otherwise, naming the caller's role and the allowed ones. Unknown role
    names fail at import time.
    """
    unknown = sorted(set(roles) - ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}; known roles: {sorted(ROLES)}")
    return RoleKey(frozenset(roles) | {"admin"})


AdminCaller = Annotated[Caller, Depends(require_roles("admin"))]


def decider_of(caller: Caller) -> Decider:
    """The caller as a workflow decider: its key's department, admin or not."""
    return Decider(department=caller.name, admin=caller.role == "admin")
