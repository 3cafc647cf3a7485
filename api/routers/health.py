"""Liveness and readiness probes (no API key: they reveal nothing but up or down)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import ContextDep
from api.errors import PROBLEM_RESPONSES
from graph_service.errors import BackendUnavailable, GraphServiceError

router = APIRouter(prefix="/health", tags=["health"])


class Health(BaseModel):
    status: str = Field(examples=["ok"])


@router.get("/live", summary="The process is running")
async def live() -> Health:
    """Always 200 while the process can answer HTTP at all."""
    return Health(status="ok")


@router.get("/ready", summary="The service can answer", responses={503: PROBLEM_RESPONSES[503]})
def ready(ctx: ContextDep) -> Health:
    """200 when the store answers a ping and the audit log is writing; 503 problem+json with Retry-After.

    A plain ``def``: ``ping`` may block on the network, so it runs in the thread pool.
    """
    try:
        ctx.store.ping()
    except BackendUnavailable:
        raise
    except Exception as exc:  # any other failure of the ping (a closed store, a raw driver error) too
        detail = exc.detail if isinstance(exc, GraphServiceError) else str(exc)
        raise BackendUnavailable(f"the graph store does not answer: {detail}") from exc
    ctx.audit.check()
    return Health(status="ready")
