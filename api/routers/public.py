"""``/v1/public``: the one-stop public query (一站式查询) of effective red and black entries.

Open to every role, and to callers without a key when ``GRAPH_SERVICE_PUBLIC_ANONYMOUS=true``. Answers
carry only the published fields (see :mod:`graph_service.services.workflow.disclosure`); ID numbers are masked
for every caller, admins included (a public page is the same for everyone), and once more over the whole
answer, so an ID number typed into a reason is masked too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from api.auth import Caller
from api.clock import TodayDep
from api.deps import StoreDep, require_roles
from api.errors import PROBLEM_RESPONSES
from graph_service.domain.identifiers import normalise
from graph_service.domain.model import ListKind, is_unresolved_key
from graph_service.services.masking import mask_payload
from graph_service.services.workflow import disclosure

router = APIRouter(prefix="/v1/public", tags=["public"], responses=PROBLEM_RESPONSES)
Anyone = Annotated[
    Caller, Depends(require_roles("public", "approval", "investigator", "initiator", "implementer", "peer"))
]


@router.get("/entries", response_model=disclosure.PublicEntryPage, summary="Published red and black entries")
def public_entries(
    caller: Anyone,
    store: StoreDep,
    today: TodayDep,
    limit: Annotated[int, Query(ge=1, le=200, description="Entries per page")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=100, description="next_cursor of the previous page")
    ] = None,
    list_kind: Annotated[
        ListKind | None,
        Query(alias="list", description="red, black or abnormal; a watch list is never public"),
    ] = None,
) -> JSONResponse:
    """Entries in force today on the red or black list: active, within validity, not disputed, repaired,
    revoked or expired; by entry id, a page at a time."""
    page = disclosure.public_entries(store, today=today, limit=limit, cursor=cursor, list_kind=list_kind)
    return JSONResponse(mask_payload(page.model_dump(mode="json")))


@router.get(
    "/subjects/{subject_id}", response_model=disclosure.PublicSubject, summary="A subject's published entries"
)
def public_subject(
    caller: Anyone,
    store: StoreDep,
    today: TodayDep,
    subject_id: Annotated[str, Path(max_length=200, description="USCC, or a person's ID number")],
) -> JSONResponse:
    """An organisation with its published entries (possibly none); a person only if something about them
    is published (404 otherwise, so the query does not reveal who is in the registry)."""
    key = subject_id.strip() if is_unresolved_key(subject_id.strip()) else normalise(subject_id)
    subject = disclosure.public_subject(store, key, today=today)
    return JSONResponse(mask_payload(subject.model_dump(mode="json")))
