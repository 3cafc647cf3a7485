"""The explorer page: ``/`` serves ``api/static/index.html``, ``/static`` its scripts, styles, vendor files.

The page holds no data and needs no key to load; everything it shows comes from the API with the key the
user types in (kept in ``sessionStorage``). Cytoscape.js is vendored minified under ``static/vendor`` with
its licence, so installing the service needs no JavaScript build.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from api.routers import graph

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

page_router = APIRouter(include_in_schema=False)


@page_router.get("/")
async def index() -> FileResponse:
    """The explorer page (plain HTML/CSS/JS)."""
    # no-cache: a new release's page must not pair with an old, cached script.
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


def install(app: FastAPI) -> None:
    """Add the ``/v1/graph`` API, the page at ``/`` and its files at ``/static`` to ``app``."""
    app.include_router(graph.router)
    app.include_router(page_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
