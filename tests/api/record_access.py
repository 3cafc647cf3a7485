"""Fresh state for the access table's rows of credit reports, commitments and complaints."""

from __future__ import annotations

import datetime as dt

from graph_service.domain.reports import ReportFormat
from graph_service.services.reports.issue import issue_report
from tests.api.security_support import ORG, SecApi


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
