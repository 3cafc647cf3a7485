"""Reading the audit log (admins only). Reading it is itself audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field

from api.deps import AdminCaller, AuditDep
from api.errors import PROBLEM_RESPONSES
from api.responses import respond
from graph_service.audit import AuditRecord
from graph_service.audit.base import MAX_QUERY_LIMIT

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=PROBLEM_RESPONSES)


class AuditPage(BaseModel):
    """Audit records, oldest first; pass ``next_after`` as ``after`` for the next page."""

    records: list[AuditRecord]
    next_after: int | None = Field(default=None, description="Seq to continue after; null on the last page")


@router.get("", summary="Query the audit log", response_model=AuditPage)
def query_audit(
    caller: AdminCaller,
    audit: AuditDep,
    since: Annotated[
        AwareDatetime | None, Query(alias="from", description="Records at or after (with offset, e.g. Z)")
    ] = None,
    until: Annotated[AwareDatetime | None, Query(alias="to", description="Records before")] = None,
    subject_id: Annotated[str | None, Query(description="USCC, ID number or unresolved key")] = None,
    client: Annotated[str | None, Query(description="Name of the API key that made the calls")] = None,
    action: Annotated[str | None, Query(examples=["check"])] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_QUERY_LIMIT)] = 100,
    after: Annotated[int | None, Query(ge=0, description="Return records with seq greater than this")] = None,
) -> JSONResponse:
    """Records of the hash-chained audit log matching every given filter, oldest first."""
    records = audit.query(
        since=since,
        until=until,
        subject_id=subject_id,
        client=client,
        action=action,
        after=after,
        limit=limit,
    )
    audit.record(
        caller.event(
            "audit.query",
            subject_id=subject_id,
            detail={"from": since, "to": until, "client": client, "action": action, "count": len(records)},
        )
    )
    next_after = records[-1].seq if len(records) == limit else None
    return respond(AuditPage(records=records, next_after=next_after), caller)
