"""``/v1/loads``: a department uploads its export; a dry run answers at once, a confirmed load runs here.

The upload is the request body — the file's bytes (``?filename=`` names it) or a ``multipart/form-data``
form with one ``file`` field — up to ``GRAPH_SERVICE_MAX_UPLOAD_BYTES``. The load itself is
:mod:`graph_service.services.loads`: the ``graph-service load`` pipeline, in a thread of this process.
"""

from __future__ import annotations

import email.parser
import email.policy
from pathlib import Path
from typing import Annotated, cast

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from api.auth import Caller
from api.clock import NowDep
from api.context import AppContext
from api.deps import AuditDep, context_of, decider_of, require_roles
from api.errors import PROBLEM_RESPONSES, PayloadTooLarge
from api.responses import respond
from graph_service.audit import AuditLog
from graph_service.errors import InvalidInput, NotFound
from graph_service.services.loads import (
    LoadJob,
    LoadJobs,
    LoadStatus,
    LoadSummary,
    Upload,
    UploadEncoding,
    UploadFormat,
    upload_file,
)

PATH = "/v1/loads"
UPLOAD_SETTING = "GRAPH_SERVICE_MAX_UPLOAD_BYTES"
router = APIRouter(prefix=PATH, tags=["loads"], responses=PROBLEM_RESPONSES)
Loader = Annotated[Caller, Depends(require_roles("initiator"))]


async def get_jobs(request: Request) -> LoadJobs:
    """The app's loads (:func:`install` put them on the app's state)."""
    return cast(LoadJobs, request.app.state.load_jobs)


JobsDep = Annotated[LoadJobs, Depends(get_jobs)]


@router.post(
    "",
    summary="Upload a department's export: dry run, or load",
    responses={200: {"model": LoadSummary}, 202: {"model": LoadStatus}},
)
async def upload(
    request: Request,
    caller: Loader,
    jobs: JobsDep,
    audit: AuditDep,
    at: NowDep,
    fmt: Annotated[UploadFormat, Query(alias="format", description="v1, court or penalty")] = "v1",
    encoding: Annotated[
        UploadEncoding, Query(description="auto = UTF-8 (BOM or not), else GB18030")
    ] = "auto",
    dry_run: Annotated[bool, Query(description="Validate and list the rejects; write nothing")] = False,
    filename: Annotated[
        str | None,
        Query(max_length=200, description="The file's name when the body is the file itself"),
    ] = None,
) -> JSONResponse:
    """Check (``dry_run=true``: 200 with the summary and reject rows) or load (202; follow
    ``GET /v1/loads/{id}``) one export file.

    Format v1 files are known by name (``list_entries.csv``, ``organizations.csv`` …); court and penalty
    files are ``.csv`` or ``.jsonl``. Bad rows are rejects and do not fail the load; a file that cannot be
    read or lacks a required column fails it before anything is written. One load runs at a time: 409
    while another is running.
    """
    limit = context_of(request).settings.max_upload_bytes
    name, content = _file_of(await _body(request, limit), request.headers.get("content-type", ""), filename)
    staged = jobs.stage(fmt, name, encoding)
    upload_file(staged).write_bytes(content)
    if dry_run:
        summary = await run_in_threadpool(jobs.dry_run, staged, caller.name, at, decider_of(caller))
        _audit(audit, caller, "load.dry_run", staged, read=summary.read, rejected=summary.rejected)
        return respond(summary, caller)
    try:
        job = jobs.start(
            staged,
            caller.name,
            at,
            on_finish=lambda done: _finished(audit, caller, done),
            decider=decider_of(caller),
            on_start=lambda started: _audit(
                audit, caller, "load.start", staged, load_id=started.load_id, bytes=len(content)
            ),
        )
    except Exception:
        jobs.discard(staged)
        raise
    return respond(job.status(), caller, status_code=202, headers={"Location": f"{PATH}/{job.load_id}"})


@router.get("/{load_id}", response_model=LoadStatus, summary="A load's progress")
def get_load(load_id: str, caller: Loader, jobs: JobsDep) -> JSONResponse:
    """Running (bytes read so far), done (its summary: rows read, loaded, rejected) or failed (why)."""
    return respond(_own(jobs, load_id, caller).status(), caller)


@router.get(
    "/{load_id}/rejects",
    summary="A load's rejects CSV",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def get_rejects(load_id: str, caller: Loader, jobs: JobsDep) -> FileResponse:
    """``file, line, column, value, reason`` in UTF-8 with a BOM; cells a spreadsheet would run as a
    formula are neutralised. 404 until the load has started writing it."""
    job = _own(jobs, load_id, caller)
    path = job.upload.rejects
    if not path.is_file():
        raise NotFound(f"Load {load_id} has no rejects file yet.")
    return FileResponse(
        path,
        media_type="text/csv; charset=utf-8",
        filename=f"{Path(job.upload.file).stem}.rejects.csv",
        headers={"Cache-Control": "no-store"},
    )


def install(app: FastAPI, ctx: AppContext) -> LoadJobs:
    """Add ``/v1/loads`` to ``app``; the loads' files go under ``<data_dir>/loads``. Close the returned
    jobs at shutdown (it waits for a running load) before the store closes."""
    jobs = LoadJobs(ctx.store, ctx.catalog, ctx.policy, ctx.settings.data_dir / "loads")
    app.state.load_jobs = jobs
    app.include_router(router)
    return jobs


def _own(jobs: LoadJobs, load_id: str, caller: Caller) -> LoadJob:
    """The load if the caller's department started it (the admin sees every load); 404 otherwise."""
    job = jobs.get(load_id)
    if caller.role != "admin" and job.operator != caller.name:
        raise NotFound(f"No load {load_id!r} of {caller.name}.")
    return job


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes (however it is sent)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(
                f"The upload has more than {limit} bytes, the limit ({UPLOAD_SETTING}). Split the export."
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _file_of(body: bytes, content_type: str, filename: str | None) -> tuple[str, bytes]:
    """The uploaded file's name and bytes: the body itself, or the ``file`` field of a multipart form."""
    if not content_type.lower().startswith("multipart/form-data"):
        if not filename:
            raise InvalidInput.for_field("filename", None, "name the file (?filename=list_entries.csv)")
        return filename, body
    # The standard library's MIME parser reads the form (bounded by the upload limit above).
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    for part in message.iter_parts() if message.is_multipart() else []:
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            name = filename or part.get_filename()
            if not name:
                raise InvalidInput.for_field("filename", None, "the form's file has no name")
            return name, payload if isinstance(payload, bytes) else b""
    raise InvalidInput.for_field("file", None, "the multipart form has no 'file' field")


def _audit(audit: AuditLog, caller: Caller, action: str, upload: Upload, **detail: object) -> None:
    audit.record(caller.event(action, detail={"format": upload.fmt, "file": upload.file, **detail}))


def _finished(audit: AuditLog, caller: Caller, job: LoadJob) -> None:
    """Audit the end of a load (called in its thread)."""
    status = job.status()
    loaded = status.summary.loaded if status.summary else 0
    _audit(
        audit,
        caller,
        "load.finish",
        job.upload,
        load_id=job.load_id,
        state=status.state,
        read=status.read,
        loaded=loaded,
        rejected=status.rejected,
        failure=status.failure,
    )
