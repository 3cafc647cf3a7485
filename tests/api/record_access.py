"""Fresh state for the access table's rows of credit reports, commitments and complaints."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from graph_service.domain.commitments import Commitment, CommitmentKind, CommitmentStatus
from graph_service.domain.complaints import Complaint, ComplaintKind, ComplaintStatus
from graph_service.domain.reports import ReportFormat
from graph_service.services.reports.issue import issue_report
from tests.api.security_support import IMPLEMENTING_DEPT, ORG, SecApi


def issued_report(api: SecApi) -> dict[str, str]:
    """A report on ORG issued just now; ``{report_no}``."""
    issued = issue_report(
        api.store,
        api.app.state.ctx.catalog,
        ORG.uscc,
        as_of=dt.date.today(),
        fmt=ReportFormat.HTML,
        issued_by="access-table",
        now=dt.datetime.now(dt.UTC),
        mask_ids=True,
    )
    return {"report_no": issued.record.report_no}


#: The approval key's name: a commitment is acted on by the department that received it.
RECEIVER = "approval-client"
_numbers = itertools.count(1)


def commitment_body(commitment_id: str) -> dict[str, Any]:
    """The JSON body recording a 容缺受理 commitment ``commitment_id`` of ORG, received by RECEIVER."""
    return {
        "commitment_id": commitment_id,
        "subject_id": ORG.uscc,
        "kind": "deferred_materials",
        "text": "承诺在三十日内补齐材料",
        "department": RECEIVER,
        "materials": ["消防验收意见书"],
        "signed_on": dt.date.today().isoformat(),
        "due_on": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
    }


def new_commitment_id(api: SecApi) -> dict[str, str]:
    """A commitment id no call has used yet (for ``POST /v1/commitments``)."""
    return {"commitment_id": f"CM-AC-{next(_numbers)}"}


def pending_commitment(api: SecApi) -> dict[str, str]:
    """A pending 容缺受理 commitment of ORG received by RECEIVER; ``{commitment_id}``."""
    commitment_id = new_commitment_id(api)["commitment_id"]
    fields = commitment_body(commitment_id) | {"status": CommitmentStatus.PENDING}
    fields["kind"] = CommitmentKind.DEFERRED_MATERIALS
    api.store.save_commitment(Commitment.model_validate(fields))
    return {"commitment_id": commitment_id}


COMPLAINT = {"kind": "report", "domain": "food_drug", "text": "无证照经营", "subject_id": ORG.uscc}


def routed_complaint(api: SecApi) -> dict[str, str]:
    """A complaint about ORG routed to the implementer key's department; ``{complaint_id}``."""
    complaint_id = f"TS-AC-{next(_numbers)}"
    api.store.save_complaint(
        Complaint(
            complaint_id=complaint_id,
            kind=ComplaintKind.REPORT,
            text="无证照经营",
            subject_id=ORG.uscc,
            received_at=dt.datetime.now(dt.UTC),
            status=ComplaintStatus.ROUTED,
            department=IMPLEMENTING_DEPT,
        )
    )
    return {"complaint_id": complaint_id}
