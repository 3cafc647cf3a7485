"""Credit reports (信用报告): ``GET /v1/subjects/{id}/report`` issues, ``GET /v1/reports/{no}`` verifies.

安化县实施意见 二(一)3 and 二(二)3, 云浮市实施方案 (二十一): a printable report of a subject as of a date,
with a number and the data version it was drawn from, that anyone presented with it can check. Issuing is
a disclosure and is audited (``report.issue``); ID numbers are masked in the report itself (HTML and PDF)
for every role but investigator and admin.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from api.auth import Caller
from api.clock import NowDep
from api.deps import AuditDep, CatalogDep, StoreDep, require_roles
from api.errors import PROBLEM_RESPONSES
from api.responses import respond
from graph_service.domain.bounds import check_as_of
from graph_service.domain.reports import CreditReportRecord, ReportFormat
from graph_service.services.masking import masks_ids
from graph_service.services.reports.issue import issue_report, verify_report

issuing = APIRouter(prefix="/v1/subjects", tags=["reports"], responses=PROBLEM_RESPONSES)
router = APIRouter(prefix="/v1/reports", tags=["reports"], responses=PROBLEM_RESPONSES)

Issuer = Annotated[Caller, Depends(require_roles("approval", "investigator", "initiator", "implementer"))]
Anyone = Annotated[
    Caller, Depends(require_roles("public", "approval", "investigator", "initiator", "implementer", "peer"))
]


class ReportVerification(BaseModel):
    """The stored record of a report, and whether a presented digest matches it."""

    record: CreditReportRecord
    digest_matches: bool | None = Field(
        default=None, description="Given ?digest=: whether it is the digest issued (None if not given)"
    )


@issuing.get(
    "/{subject_id}/report",
    summary="Issue a subject's credit report (HTML or PDF)",
    response_class=Response,
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
)
def get_report(
    subject_id: Annotated[str, Path(max_length=200, description="USCC, or a person's ID number")],
    caller: Issuer,
    store: StoreDep,
    catalog: CatalogDep,
    audit: AuditDep,
    now: NowDep,
    as_of: Annotated[dt.date | None, Query(description="Report date, default today")] = None,
    fmt: Annotated[ReportFormat, Query(alias="format", description="html or pdf")] = ReportFormat.HTML,
) -> Response:
    """Lists, penalties, commitments, the measures reaching the subject and why, persons and their roles,
    as of ``as_of``; headers ``X-Report-No``, ``X-Data-Version`` and ``X-Report-Digest``."""
    day = check_as_of("as_of", as_of) or now.date()  # BoundsError: 422 naming the window
    issued = issue_report(
        store,
        catalog,
        subject_id,
        as_of=day,
        fmt=fmt,
        issued_by=caller.name,
        now=now,
        mask_ids=masks_ids(caller.role),
    )
    record = issued.record
    audit.record(
        caller.event(
            "report.issue",
            subject_id=issued.subject_key,
            data_version=record.data_version,
            entry_ids=[e.entry_id for e in issued.content.entries],
            detail={"report_no": record.report_no, "as_of": day.isoformat(), "format": fmt.value},
        )
    )
    headers = {
        "X-Report-No": record.report_no,
        "X-Data-Version": str(record.data_version),
        "X-Report-Digest": record.digest,
        "Content-Disposition": f'inline; filename="{record.report_no}.{fmt.value}"',
    }
    return Response(issued.document, media_type=issued.media_type, headers=headers)


@router.get("/{report_no}", response_model=ReportVerification, summary="Verify an issued credit report")
def get_verification(
    report_no: Annotated[str, Path(max_length=100)],
    caller: Anyone,
    store: StoreDep,
    audit: AuditDep,
    digest: Annotated[str | None, Query(max_length=64, description="The digest printed on the copy")] = None,
) -> JSONResponse:
    """The record kept when the report was issued: subject, date, data version, digest, issuer, time."""
    record = verify_report(store, report_no)
    audit.record(caller.event("report.verify", subject_id=record.subject_id, detail={"report_no": report_no}))
    matches = None if digest is None else digest.strip().lower() == record.digest
    return respond(ReportVerification(record=record, digest_matches=matches), caller)
