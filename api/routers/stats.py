"""``/v1/stats``: the workflow's statistics for a period (跟踪、监测、统计), for initiators and admins.

Aggregates only — no subject, no ID number — so every initiating department may see the whole region's
numbers; the credit office (admin) gets the same answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from api.auth import Caller
from api.clock import TodayDep
from api.deps import StoreDep, require_roles
from api.errors import PROBLEM_RESPONSES
from api.responses import respond
from graph_service.services.workflow.stats import Stats, StatsQuery, compute_stats

router = APIRouter(prefix="/v1/stats", tags=["stats"], responses=PROBLEM_RESPONSES)
Initiator = Annotated[Caller, Depends(require_roles("initiator"))]


@router.get("", response_model=Stats, summary="Workflow statistics for a period")
def stats(
    caller: Initiator,
    store: StoreDep,
    today: TodayDep,
    start: Annotated[
        dt.date | None, Query(alias="from", description="First day (default: the 1st of this month)")
    ] = None,
    end: Annotated[
        dt.date | None, Query(alias="to", description="Last day, included (default: today)")
    ] = None,
    dept: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Initiating/implementing department")
    ] = None,
    region: Annotated[
        str | None, Query(pattern=r"^[0-9]{6}$", description="6-digit region code: county, city or province")
    ] = None,
) -> JSONResponse:
    """Entries initiated by list and domain; tasks pushed, feedback received and its rate, overdue tasks
    (also per department); disputes opened, resolved and overdue; repair applications and decisions."""
    query = StatsQuery(
        start=start or today.replace(day=1), end=end or today, as_of=today, dept=dept, region=region
    )
    return respond(compute_stats(store, query), caller)
