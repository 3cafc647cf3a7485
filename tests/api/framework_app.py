"""A test app for the API framework: keys of every kind, and endpoints that exercise each part of it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.app import create_app
from api.auth import Caller
from api.deps import AuditDep, CallerDep, require_roles
from api.responses import respond
from graph_service.config import Settings
from graph_service.errors import Conflict, NotFound
from graph_service.store.memory import MemoryStore
from tests.factories import make_id_number, make_uscc

PROBLEM = "application/problem+json"
ID = make_id_number(42)
MASKED_ID = ID[:6] + "********" + ID[14:]
USCC = make_uscc(3)
KEYS = {
    "k-admin-0123456789": {"role": "admin", "name": "ops"},
    "k-approval-0123456789": {"role": "approval", "name": "county-approvals"},
    "k-public-0123456789": {"role": "public", "name": "portal"},
    "k-investigator-0123456789": {"role": "investigator", "name": "inspector"},
}
ADMIN, APPROVAL, PUBLIC, INVESTIGATOR = ({"X-API-Key": key} for key in KEYS)


class EchoBody(BaseModel):
    subject_id: str
    depth: int = Field(default=2, ge=1, le=4)


Approver = Annotated[Caller, Depends(require_roles("approval"))]


def make_test_router() -> APIRouter:
    """Test-only endpoints: each kind of error, and the caller, audit and response helper in use."""
    router = APIRouter(prefix="/test")

    @router.get("/not-found")
    async def not_found(caller: CallerDep) -> None:
        raise NotFound(f"subject {ID} is not stored")

    @router.get("/conflict")
    async def conflict(caller: CallerDep) -> None:
        raise Conflict("entry E1 was changed meanwhile (version 3, expected 2)")

    @router.get("/crash")
    async def crash() -> None:
        raise RuntimeError("secret internals")

    @router.post("/echo")
    async def echo(body: EchoBody, caller: CallerDep) -> JSONResponse:
        return respond(body, caller)

    @router.get("/person")
    async def person(caller: CallerDep) -> JSONResponse:
        return respond({"person": {"id": ID, "employer": USCC}, "path": [USCC, ID]}, caller)

    @router.get("/approvals-only")
    async def approvals_only(caller: Approver) -> JSONResponse:
        return respond({"caller": caller.name}, caller)

    @router.post("/checked/{subject_id}")
    async def checked(subject_id: str, caller: CallerDep, audit: AuditDep) -> JSONResponse:
        audit.record(caller.event("check", subject_id=subject_id, scenario="bidding", verdict="pass"))
        return respond({"subject_id": subject_id}, caller)

    return router


def build(tmp_path: Path, store: MemoryStore | None = None, **settings: Any) -> FastAPI:
    app = create_app(
        settings=Settings(api_keys=KEYS, data_dir=tmp_path, **settings),
        store=store if store is not None else MemoryStore(None),
    )
    app.include_router(make_test_router())
    return app


def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert response.status_code == status, body
    assert response.headers["content-type"] == PROBLEM, response.headers
    assert body["type"] == f"https://graph-service/errors/{slug}", body
    assert body["status"] == status and body["title"] and body["detail"], body
    assert body["request_id"] == response.headers["x-request-id"], body
    return body
