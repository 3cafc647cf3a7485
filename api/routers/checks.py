"""``/v1/checks``: the related-party check approval systems embed in every decision (应查必查).

A batch is bounded before anything runs: at most :data:`MAX_BATCH` items, each at most
:data:`MAX_BATCH_DEPTH` hops, and a work budget of :data:`BATCH_WORK_BUDGET` over the items (an item
costs its depth, twice that with ended relations); a batch over a bound is refused with 422 naming it.
Results are written one at a time to a spooled file (memory up to :data:`SPOOL_MEMORY_BYTES`, then
disk) and streamed from there, so the server never holds the whole answer; a failure part-way is still
a proper error response, never half an answer. The rate limiter charges a batch one token per item.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import Caller
from api.clock import NowDep
from api.context import AppContext
from api.deps import context_of, require_roles
from api.errors import PROBLEM_RESPONSES
from api.ratelimit import METER_STATE, Meter
from api.responses import respond
from graph_service.audit import AuditEvent
from graph_service.domain.identifiers import IdentifierError, check_subject_key, normalise_key
from graph_service.domain.measures import Catalog
from graph_service.errors import InvalidInput
from graph_service.services.checks.models import CheckRequest, CheckResult
from graph_service.services.checks.related_party import run_check
from graph_service.services.masking import mask_payload, masks_ids
from graph_service.store.base import GraphStore
from graph_service.store.check_view import CheckView

MAX_BATCH = 10_000
#: Deepest walk a batch item may ask for (a single check may go to 4).
MAX_BATCH_DEPTH = 3
#: Sum of the items' costs: depth, doubled with ``include_history`` (10,000 items at depth 2).
BATCH_WORK_BUDGET = 20_000
#: Results beyond this many bytes of JSON go to a temporary file until they are sent.
SPOOL_MEMORY_BYTES = 8 * 1024 * 1024
_CHUNK_BYTES = 64 * 1024
#: Batch items checked together: their views read at once (:meth:`GraphStore.check_views`; on Neo4j one
#: statement per 50 subjects of one depth and date), their audit events queued at once.
BATCH_CHUNK = 500
#: Threads a batch's checks run on when the store's reads wait on a server (their round trips overlap).
BATCH_CHECK_THREADS = 4

router = APIRouter(prefix="/v1/checks", tags=["checks"], responses=PROBLEM_RESPONSES)
#: The roles that may check (admin always): the routes' dependency, and :mod:`api.routers.check_lane`'s.
CHECKERS = require_roles("approval", "investigator", "initiator", "implementer")
Checker = Annotated[Caller, Depends(CHECKERS)]

_EXAMPLE = {"subject_id": "91430923MA4L2B3C1J", "scenario": "bidding", "depth": 2, "as_of": "2026-11-23"}

BATCH_DESCRIPTION = f"""Bidder lists are screened this way; results come back in request order.

**Limits** (422 naming the limit when exceeded, before anything is checked):

* at most {MAX_BATCH:,} items;
* `depth` at most {MAX_BATCH_DEPTH} per item (single checks go to 4);
* work budget: the sum over the items of `depth`, doubled for `include_history`, at most
  {BATCH_WORK_BUDGET:,} — e.g. {BATCH_WORK_BUDGET // 2:,} items at depth 2, or
  {BATCH_WORK_BUDGET // 6:,} at depth 3 with history.

The rate limit counts every item of a batch as one request (a batch larger than a minute's budget is
served, and the key then waits until its budget has refilled). Every subject id is normalised and
checked first: a wrong check character is 422 with the expected one.
"""


class BatchRequest(BaseModel):
    items: list[CheckRequest] = Field(max_length=MAX_BATCH, examples=[[_EXAMPLE]])


class BatchResult(BaseModel):
    results: list[CheckResult]


def item_cost(item: CheckRequest) -> int:
    """What one batch item costs of :data:`BATCH_WORK_BUDGET`: its depth, doubled with history."""
    return item.depth * (2 if item.include_history else 1)


def _event(caller: Caller, result: CheckResult) -> AuditEvent:
    """The audit event of one check: who asked, about whom, the verdict and every entry it rests on."""
    entry_ids = sorted(
        {m.entry_id for m in result.measures}
        | {e.entry_id for h in result.hits for e in h.entries}
        | {m.entry_id for h in result.hits for m in h.measures}
        | {s.entry_id for s in result.suspended}
    )
    return caller.event(
        "check",
        subject_id=result.subject.id,
        scenario=result.scenario.value,
        verdict=result.verdict.value,
        entry_ids=entry_ids,
        data_version=result.data_version,
        detail={"check_id": result.check_id, "as_of": result.as_of.isoformat(), "hits": len(result.hits)},
    )


def _normalised(items: list[tuple[str, CheckRequest]], today: dt.date) -> list[CheckRequest]:
    """The items with their subject ids normalised and verified; one 422 listing every bad id."""
    out: list[CheckRequest] = []
    errors: list[dict[str, Any]] = []
    for field, item in items:
        try:
            key = check_subject_key(item.subject_id, today=today)
        except IdentifierError as exc:
            errors.append({"field": field, "value": item.subject_id, "reason": exc.reason})
            continue
        out.append(item if key == item.subject_id else item.model_copy(update={"subject_id": key}))
    if errors:
        first = errors[0]
        more = f" and {len(errors) - 1} more" if len(errors) > 1 else ""
        raise InvalidInput(
            f"{first['field']}: {first['reason']} (got {first['value']!r}){more}", errors=errors[:100]
        )
    return out


def _check_bounds(items: list[CheckRequest]) -> None:
    too_deep = [
        {
            "field": f"body.items.{i}.depth",
            "value": item.depth,
            "reason": f"at most {MAX_BATCH_DEPTH} in a batch",
        }
        for i, item in enumerate(items)
        if item.depth > MAX_BATCH_DEPTH
    ]
    if too_deep:
        raise InvalidInput(
            f"A batch item may walk at most {MAX_BATCH_DEPTH} hops (MAX_BATCH_DEPTH); "
            f"{len(too_deep)} items ask for more. Check those one by one with POST /v1/checks.",
            errors=too_deep[:100],
        )
    work = sum(item_cost(item) for item in items)
    if work > BATCH_WORK_BUDGET:
        raise InvalidInput(
            f"The batch needs {work:,} units of work, over the budget of {BATCH_WORK_BUDGET:,} "
            "(BATCH_WORK_BUDGET: each item costs its depth, doubled with include_history). "
            "Split it into smaller batches.",
            errors=[
                {
                    "field": "body.items",
                    "value": f"{len(items)} items",
                    "reason": f"work {work} > {BATCH_WORK_BUDGET}",
                }
            ],
        )


def _charge(request: Request, items: int) -> None:
    """Charge the batch's items beyond the first (the middleware took one) to the caller's bucket."""
    meter: Meter | None = getattr(request.state, METER_STATE, None)
    if meter is not None:
        meter.charge(items - 1)


# The check routes declare only the caller and the clock as dependencies (the app's resources are read
# off the request, "today" is ``now``'s day as :func:`api.clock.today` gives it): FastAPI's per-request
# cost grows with every dependency, and a check is the latency-sensitive call.


@router.post("", response_model=CheckResult, summary="Check one applicant for one scenario")
async def check(body: CheckRequest, request: Request, caller: Checker, at: NowDep) -> JSONResponse:
    """Verdict (block / review / pass), the measures reaching the subject, related-party hits with paths.

    Answered only once the check's audit record is durable (it shares the write with concurrent checks).
    """
    return await answer(context_of(request), caller, body, at.date())


async def answer(ctx: AppContext, caller: Caller, body: CheckRequest, today: dt.date) -> JSONResponse:
    """The answer to one admitted check: normalised, run, audited, answered once the audit is durable."""
    (item,) = _normalised([("body.subject_id", body)], today)
    store, as_of, fan_out = ctx.store, item.as_of or today, ctx.settings.fan_out_limit
    # An in-memory store answers on the event loop (no thread hop); one that waits on a server must not:
    # its check and audit record run on a worker thread, which writes the record itself when no audit
    # write is in progress (no hand-off to the audit writer thread and back to the loop).
    if store.reads_block:
        response, waiting = await run_in_threadpool(_answer_blocking, ctx, caller, item, as_of, fan_out)
        if waiting is not None:
            await ctx.audit.durable(waiting)
        return response
    result = run_check(store, ctx.catalog, item, as_of=as_of, fan_out_limit=fan_out)
    response = respond(result, caller)
    await ctx.audit.record_durably(_event(caller, result))  # a lone check's record written on the loop
    return response


def _answer_blocking(
    ctx: AppContext, caller: Caller, item: CheckRequest, as_of: dt.date, fan_out: int
) -> tuple[JSONResponse, int | None]:
    """:func:`answer`'s work on a worker thread: the response, and the audit ticket still to wait for.

    None when this thread wrote the record itself (:meth:`AuditLog.record_leading`): durable already.
    """
    result = run_check(ctx.store, ctx.catalog, item, as_of=as_of, fan_out_limit=fan_out)
    waiting = ctx.audit.record_leading(_event(caller, result))
    return respond(result, caller), waiting


@router.post(
    "/batch",
    response_model=BatchResult,
    summary=f"Check up to {MAX_BATCH:,} applicants (depth ≤ {MAX_BATCH_DEPTH}, work ≤ {BATCH_WORK_BUDGET:,})",
    description=BATCH_DESCRIPTION,
)
def check_batch(body: BatchRequest, request: Request, caller: Checker, at: NowDep) -> StreamingResponse:
    ctx, today = context_of(request), at.date()
    store, catalog, settings, audit = ctx.store, ctx.catalog, ctx.settings, ctx.audit
    items = _normalised([(f"body.items.{i}.subject_id", item) for i, item in enumerate(body.items)], today)
    _check_bounds(items)
    _charge(request, len(items))
    masked = masks_ids(caller.role)
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)
    ticket = 0
    try:
        spool.write(b'{"results":[')
        for n, results in enumerate(_checked(store, catalog, items, today, settings.fan_out_limit)):
            ticket = audit.record_many([_event(caller, result) for result in results])
            for m, result in enumerate(results):
                if n or m:
                    spool.write(b",")
                if masked:
                    spool.write(orjson.dumps(mask_payload(result.model_dump(mode="json"))))
                else:
                    spool.write(result.model_dump_json().encode("utf-8"))
        spool.write(b"]}")
        size = spool.tell()
        spool.seek(0)
        audit.wait_durable(ticket)  # tickets grow: the last one durable means all of them are
    except BaseException:
        spool.close()
        raise
    return StreamingResponse(
        _chunks(spool), media_type="application/json", headers={"Content-Length": str(size)}
    )


def _checked(
    store: GraphStore, catalog: Catalog, items: list[CheckRequest], today: dt.date, fan_out: int
) -> Iterator[list[CheckResult]]:
    """The items' checks in order, :data:`BATCH_CHUNK` at a time.

    A store whose reads wait on a server gives each chunk's views in one read (:func:`_views`), the next
    chunk's read in a worker thread while this chunk is checked, so the server's work and ours overlap.
    An in-memory store gains nothing from that (no round trips; holding a chunk's views only makes the
    garbage collector work harder): each check reads its own view, as a single check does.
    """
    chunks = [items[start : start + BATCH_CHUNK] for start in range(0, len(items), BATCH_CHUNK)]
    if not store.reads_block:
        for chunk in chunks:
            yield [
                run_check(store, catalog, item, as_of=item.as_of or today, fan_out_limit=fan_out)
                for item in chunk
            ]
        return
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-views") as reader,
        ThreadPoolExecutor(max_workers=BATCH_CHECK_THREADS, thread_name_prefix="batch-checks") as checkers,
    ):
        ahead: Future[list[CheckView]] | None = None
        for n, chunk in enumerate(chunks):
            views = ahead.result() if ahead is not None else _views(store, chunk, today, fan_out)
            following = chunks[n + 1] if n + 1 < len(chunks) else None
            ahead = reader.submit(_views, store, following, today, fan_out) if following else None
            yield _checks_of(store, catalog, chunk, views, today, fan_out, checkers)


def _views(store: GraphStore, items: list[CheckRequest], today: dt.date, fan_out: int) -> list[CheckView]:
    """The check view of each item, read together for items of the same depth and date."""
    keys = [store.key_held_for(normalise_key(item.subject_id)) for item in items]
    groups: dict[tuple[int, dt.date | None], list[int]] = defaultdict(list)
    for n, item in enumerate(items):
        groups[(item.depth, None if item.include_history else item.as_of or today)].append(n)
    views: dict[int, CheckView] = {}
    for (depth, as_of), positions in groups.items():
        found = store.check_views(
            [keys[n] for n in positions], depth=depth, as_of=as_of, limit_per_node=fan_out
        )
        views.update(zip(positions, found, strict=True))
    return [views[n] for n in range(len(items))]


def _checks_of(
    store: GraphStore,
    catalog: Catalog,
    items: list[CheckRequest],
    views: list[CheckView],
    today: dt.date,
    fan_out: int,
    checkers: ThreadPoolExecutor,
) -> list[CheckResult]:
    """The checks of ``items`` from their ``views``, in order, on ``checkers``' threads.

    A check with its view in hand may still ask the server a question (a person's possible matches
    among court debtors published with masked IDs); on a few threads those round trips overlap.
    """

    def check_one(pair: tuple[CheckRequest, CheckView]) -> CheckResult:
        item, view = pair
        return run_check(store, catalog, item, as_of=item.as_of or today, fan_out_limit=fan_out, view=view)

    return list(checkers.map(check_one, zip(items, views, strict=True)))


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := spool.read(_CHUNK_BYTES):
            yield chunk
    finally:
        spool.close()
