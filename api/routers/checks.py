"""``/v1/checks``: the related-party check approval systems embed in every decision (应查必查)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.auth import Caller
from api.deps import AuditDep, CatalogDep, SettingsDep, StoreDep, require_roles
from api.errors import PROBLEM_RESPONSES
from api.responses import respond
from graph_service.audit import AuditLog
from graph_service.services.checks.models import CheckRequest, CheckResult
from graph_service.services.checks.related_party import run_check

MAX_BATCH = 10_000

router = APIRouter(prefix="/v1/checks", tags=["checks"], responses=PROBLEM_RESPONSES)
Checker = Annotated[Caller, Depends(require_roles("approval", "investigator", "initiator", "implementer"))]

_EXAMPLE = {"subject_id": "91430923MA4L2B3C1J", "scenario": "bidding", "depth": 2, "as_of": "2026-11-23"}


class BatchRequest(BaseModel):
    items: list[CheckRequest] = Field(max_length=MAX_BATCH, examples=[[_EXAMPLE]])


class BatchResult(BaseModel):
    results: list[CheckResult]


def _audit(audit: AuditLog, caller: Caller, result: CheckResult) -> None:
    entry_ids = sorted(
        {m.entry_id for m in result.measures}
        | {e.entry_id for h in result.hits for e in h.entries}
        | {m.entry_id for h in result.hits for m in h.measures}
        | {s.entry_id for s in result.suspended}
    )
    audit.record(
        caller.event(
            "check",
            subject_id=result.subject.id,
            scenario=result.scenario.value,
            verdict=result.verdict.value,
            entry_ids=entry_ids,
            data_version=result.data_version,
            detail={"check_id": result.check_id, "as_of": result.as_of.isoformat(), "hits": len(result.hits)},
        )
    )


@router.post("", response_model=CheckResult, summary="Check one applicant for one scenario")
def check(
    body: CheckRequest,
    caller: Checker,
    store: StoreDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    audit: AuditDep,
) -> JSONResponse:
    """Verdict (block / review / pass), the measures reaching the subject, related-party hits with paths."""
    result = run_check(
        store, catalog, body, as_of=body.as_of or dt.date.today(), fan_out_limit=settings.fan_out_limit
    )
    _audit(audit, caller, result)
    return respond(result, caller)


@router.post("/batch", response_model=BatchResult, summary="Check up to 10,000 applicants, answers in order")
def check_batch(
    body: BatchRequest,
    caller: Checker,
    store: StoreDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    audit: AuditDep,
) -> JSONResponse:
    """Bidder lists are screened this way; results come back in request order."""
    today = dt.date.today()
    results = [
        run_check(store, catalog, item, as_of=item.as_of or today, fan_out_limit=settings.fan_out_limit)
        for item in body.items
    ]
    for result in results:
        _audit(audit, caller, result)
    return respond(BatchResult(results=results), caller)
