"""``/v1/subjects/{id}``: a subject's relations, entries, the measures reaching it and why."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from api.auth import Caller
from api.clock import TodayDep
from api.deps import AuditDep, CatalogDep, StoreDep, require_roles
from api.errors import PROBLEM_RESPONSES
from api.responses import respond
from graph_service.services.explore.profile import SubjectProfile, subject_profile

router = APIRouter(prefix="/v1/subjects", tags=["subjects"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Caller, Depends(require_roles("approval", "investigator", "initiator", "implementer"))]

_HISTORY_ROLES = frozenset({"investigator", "admin"})


@router.get("/{subject_id}", response_model=SubjectProfile, summary="A subject's profile")
def get_subject(
    subject_id: str,
    caller: Reader,
    store: StoreDep,
    catalog: CatalogDep,
    audit: AuditDep,
    today: TodayDep,
    as_of: Annotated[dt.date | None, Query(description="Profile date, default today")] = None,
) -> JSONResponse:
    """Relations (current and past), entries, measures reaching it and why, personal credit records.

    Entries' status history is shown to investigators and admins only.
    """
    profile = subject_profile(
        store, catalog, subject_id, as_of=as_of or today, with_history=caller.role in _HISTORY_ROLES
    )
    audit.record(caller.event("subject.view", subject_id=profile.subject.id))
    return respond(profile, caller)
