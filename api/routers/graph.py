"""The investigator explorer's API (``/v1/graph``): pictures, paths, ownership, analytics, exports.

Roles: investigator and admin only. Exploring is an investigation act (it reveals who stands behind whom,
with full ID numbers for these roles), so approval callers get their answers from ``/v1/checks`` and
never browse. Every call is audited as ``graph.explore`` with the view and its parameters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from api.auth import Caller
from api.clock import TodayDep
from api.deps import AuditDep, SettingsDep, StoreDep, require_roles
from api.errors import PROBLEM_RESPONSES
from api.responses import respond
from graph_service.audit import AuditLog
from graph_service.config import Settings
from graph_service.domain.identifiers import is_uscc_shaped, mask_id_numbers_in_text
from graph_service.domain.ownership import MAX_LAYERS
from graph_service.errors import InvalidInput
from graph_service.services.checks.models import SubjectRef
from graph_service.services.checks.related_party import subject_ref
from graph_service.services.explore import ftm
from graph_service.services.explore.analytics import AnalyticsView, analytics
from graph_service.services.explore.elements import GraphView, NeighbourPage
from graph_service.services.explore.exports import (
    MEDIA_TYPES,
    SUFFIXES,
    ExportFormat,
    export_graph,
    serialise,
)
from graph_service.services.explore.ownership import OwnershipView, ownership
from graph_service.services.explore.paths import (
    MAX_HOPS,
    MAX_K,
    PathsBatchRequest,
    PathsBatchResult,
    PathsResult,
    find_paths,
    find_paths_batch,
)
from graph_service.services.explore.picture import (
    MAX_DEPTH,
    MAX_LIMIT,
    MAX_PAGE_END,
    neighbours_page,
    subject_graph,
)
from graph_service.services.explore.subgraph import parse_subject_id
from graph_service.services.masking import masks_ids
from graph_service.store.base import GraphStore

router = APIRouter(prefix="/v1/graph", tags=["graph"], responses=PROBLEM_RESPONSES)

Investigator = Annotated[Caller, Depends(require_roles("investigator"))]
AsOf = Annotated[dt.date | None, Query(description="Date the relations must hold on; default today")]
History = Annotated[bool, Query(description="Also past relations (drawn dashed)")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Relations listed per subject before 'N more'")]
Depth = Annotated[int, Query(ge=1, le=MAX_DEPTH)]

ACTION = "graph.explore"


class SearchResult(BaseModel):
    query: str
    subjects: list[SubjectRef] = Field(description="Key prefix or name match, by key")
    data_version: int


@dataclass(frozen=True)
class Exploration:
    """One exploring request: its caller (investigator or admin), the store, settings and audit log."""

    caller: Caller
    store: GraphStore
    settings: Settings
    audit: AuditLog
    today: dt.date

    def day(self, as_of: dt.date | None) -> dt.date:
        """The asked date, else today (the API's one clock, :mod:`api.clock`)."""
        return as_of if as_of is not None else self.today

    def answer(self, payload: BaseModel, view: str, subject_id: str | None, **detail: Any) -> JSONResponse:
        """Audit the call as ``graph.explore`` (with the answer's data version), then respond."""
        version = getattr(payload, "data_version", None)
        event = self.caller.event(
            ACTION, subject_id=subject_id, data_version=version, detail={"view": view, **detail}
        )
        self.audit.record(event)
        return respond(payload, self.caller)


async def _exploration(
    caller: Investigator, store: StoreDep, settings: SettingsDep, audit: AuditDep, today: TodayDep
) -> Exploration:
    return Exploration(caller=caller, store=store, settings=settings, audit=audit, today=today)


Explore = Annotated[Exploration, Depends(_exploration)]


@router.get("/search", summary="Find subjects by name or code", response_model=SearchResult)
def search(
    ex: Explore,
    q: Annotated[str, Query(min_length=1, max_length=100, description="Name part, or USCC / ID prefix")],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> JSONResponse:
    """Subjects whose key starts with ``q`` or whose name contains it (case-insensitive)."""
    text = q.strip()
    if not text:
        raise InvalidInput.for_field("q", q, "must contain more than spaces")
    hits = [subject_ref(s.key, s) for s in ex.store.search_subjects(text, limit=limit)]
    result = SearchResult(query=text, subjects=hits, data_version=ex.store.data_version())
    return ex.answer(result, "search", None, q=text, count=len(hits))


@router.get("/subjects/{subject_id}", summary="The graph around a subject", response_model=GraphView)
def subject_view(
    subject_id: str,
    ex: Explore,
    depth: Depth = 1,
    as_of: AsOf = None,
    include_history: History = False,
    limit: Limit = 25,
) -> JSONResponse:
    """Nodes and edges within ``depth`` hops as Cytoscape.js elements; hubs end in an "and N more" node."""
    key = parse_subject_id("subject_id", subject_id)
    day = ex.day(as_of)
    view = subject_graph(ex.store, key, depth=depth, as_of=day, include_history=include_history, limit=limit)
    detail = {"depth": depth, "as_of": day, "include_history": include_history, "limit": limit}
    return ex.answer(view, "neighbourhood", key, **detail, nodes=len(view.elements.nodes))


@router.get(
    "/subjects/{subject_id}/neighbours",
    summary="Page through a subject's relations",
    response_model=NeighbourPage,
)
def neighbours(
    subject_id: str,
    ex: Explore,
    offset: Annotated[int, Query(ge=0, le=MAX_PAGE_END, description="The placeholder's offset")] = 0,
    limit: Limit = 25,
    as_of: AsOf = None,
    include_history: History = False,
) -> JSONResponse:
    """Relations ``offset .. offset + limit`` of a subject in the store's order (expands "and N more")."""
    key = parse_subject_id("subject_id", subject_id)
    day = ex.day(as_of)
    page = neighbours_page(
        ex.store, key, offset=offset, limit=limit, as_of=day, include_history=include_history
    )
    return ex.answer(page, "neighbours", key, offset=offset, limit=limit, as_of=day)


@router.get("/paths", summary="Shortest paths between two subjects (找关系)", response_model=PathsResult)
def paths(
    ex: Explore,
    from_id: Annotated[str, Query(alias="from", min_length=1, max_length=100)],
    to_id: Annotated[str, Query(alias="to", min_length=1, max_length=100)],
    max_hops: Annotated[int, Query(ge=1, le=MAX_HOPS)] = 4,
    as_of: AsOf = None,
    k: Annotated[int, Query(ge=1, le=MAX_K)] = 3,
) -> JSONResponse:
    """Up to ``k`` shortest simple paths of at most ``max_hops`` hops: alternating subjects and relations."""
    a, b = parse_subject_id("from", from_id), parse_subject_id("to", to_id)
    day = ex.day(as_of)
    fan_out = ex.settings.fan_out_limit
    result = find_paths(ex.store, a, b, max_hops=max_hops, k=k, as_of=day, fan_out_limit=fan_out)
    return ex.answer(result, "paths", a, to=b, max_hops=max_hops, k=k, as_of=day, found=len(result.paths))


@router.post(
    "/paths/batch", summary="Paths among up to 50 subjects (企业间找关系)", response_model=PathsBatchResult
)
def paths_batch(body: PathsBatchRequest, ex: Explore) -> JSONResponse:
    """Every pair's shortest paths, the groups the subjects form, and who is related to none."""
    day = ex.day(body.as_of)
    result = find_paths_batch(ex.store, body, as_of=day, fan_out_limit=ex.settings.fan_out_limit)
    detail = {"subject_ids": result.subject_ids, "max_hops": body.max_hops, "k": body.k, "as_of": day}
    return ex.answer(result, "paths.batch", None, **detail, pairs=len(result.pairs))


@router.get(
    "/ownership/{subject_id}", summary="Ownership penetration (股权穿透)", response_model=OwnershipView
)
def ownership_view(
    subject_id: str,
    ex: Explore,
    as_of: AsOf = None,
    min_ratio: Annotated[float, Query(ge=0, le=1, description="Hide stakes below this")] = 0.0,
    direction: Annotated[Literal["up", "down"], Query(description="up: holders; down: holdings")] = "up",
    max_layers: Annotated[int, Query(ge=1, le=MAX_LAYERS)] = MAX_LAYERS,
) -> JSONResponse:
    """Effective stakes by simple chains; upward with beneficial owners and actual controller."""
    key = parse_subject_id("subject_id", subject_id)
    day = ex.day(as_of)
    view = ownership(
        ex.store,
        key,
        direction=direction,
        as_of=day,
        min_ratio=min_ratio,
        max_layers=max_layers,
        ubo_threshold=ex.settings.ubo_threshold,
    )
    detail = {"direction": direction, "as_of": day, "min_ratio": min_ratio, "max_layers": max_layers}
    return ex.answer(view, "ownership", key, **detail)


@router.get(
    "/subjects/{subject_id}/analytics",
    summary="Groups, nominees, circular holdings",
    response_model=AnalyticsView,
)
def analytics_view(
    subject_id: str,
    ex: Explore,
    depth: Depth = 2,
    as_of: AsOf = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = MAX_LIMIT,
) -> JSONResponse:
    """Related-party groups, nominee indicators and circular shareholdings around a subject."""
    key = parse_subject_id("subject_id", subject_id)
    day = ex.day(as_of)
    threshold = ex.settings.nominee_threshold
    view = analytics(ex.store, key, depth=depth, as_of=day, limit=limit, nominee_threshold=threshold)
    return ex.answer(view, "analytics", key, depth=depth, as_of=day, limit=limit)


@router.get(
    "/subjects/{subject_id}/export",
    summary="Export for Gephi (GraphML, GEXF), scripts (node-link JSON) or Aleph/OpenSanctions (FtM)",
    response_class=Response,
    responses={200: {"content": {media: {} for media in MEDIA_TYPES.values()}}},
)
def export(
    subject_id: str,
    ex: Explore,
    fmt: Annotated[
        ExportFormat, Query(alias="format", description="graphml, gexf, json or ftm")
    ] = ExportFormat.GRAPHML,
    depth: Depth = 2,
    as_of: AsOf = None,
    include_history: History = False,
    limit: Limit = MAX_LIMIT,
) -> Response:
    """The picture's graph as a file; attributes are strings and numbers (dates ISO, missing values "").

    ``ftm``: FollowTheMoney entities as JSON lines — the subjects, their relations and list entries
    (``Sanction``) — for Aleph/OpenAleph and the OpenSanctions tooling.
    """
    key = parse_subject_id("subject_id", subject_id)
    day = ex.day(as_of)
    if fmt is ExportFormat.FTM:
        found = ftm.subject_export(
            ex.store, key, depth=depth, as_of=day, include_history=include_history, limit=limit
        )
        content, version, nodes = ftm.serialise(found.entities), found.data_version, found.subjects
    else:
        graph = export_graph(
            ex.store, key, depth=depth, as_of=day, include_history=include_history, limit=limit
        )
        content = serialise(graph, fmt)
        version, nodes = int(graph.graph["data_version"]), graph.number_of_nodes()
    if masks_ids(ex.caller.role):
        content = mask_id_numbers_in_text(content.decode("utf-8")).encode("utf-8")
    detail = {"format": fmt.value, "depth": depth, "as_of": day, "include_history": include_history}
    event = ex.caller.event(
        ACTION,
        subject_id=key,
        data_version=version,
        detail={"view": "export", **detail, "nodes": nodes},
    )
    ex.audit.record(event)
    stem = key if is_uscc_shaped(key) else "person"
    disposition = f'attachment; filename="graph-{stem}-{day.isoformat()}.{SUFFIXES[fmt]}"'
    return Response(content, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": disposition})
