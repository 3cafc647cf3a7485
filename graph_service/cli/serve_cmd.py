"""``graph-service serve``: run the HTTP API under uvicorn (added by :func:`register`)."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

import typer

from graph_service.logging import configure_logging

#: How uvicorn serves the API: the C parser and event loop (h11 and asyncio cost ~0.5 ms a request).
#: The benchmarks' minimal-endpoint floor is served with the same options.
SERVE_OPTIONS: dict[str, str] = {"http": "httptools", "loop": "uvloop"}

#: Net allocations of tracked objects before a collection of the youngest generation (CPython's is 700).
YOUNG_GC_THRESHOLD = 50_000

if TYPE_CHECKING:
    from fastapi import FastAPI


def served_app() -> FastAPI:
    """The app ``serve`` runs: :func:`api.app.create_app`, with what it loaded kept out of the collector.

    An embedded store holds its whole graph in the heap (millions of objects at 100k organisations);
    every full collection of the cyclic GC would walk all of them, a pause of tens of milliseconds or
    more in some unlucky request. ``gc.freeze()`` once the store is open moves everything alive into
    the permanent generation, so collections only look at what requests allocate since.

    The youngest generation's threshold is raised from 700 to :data:`YOUNG_GC_THRESHOLD` net
    allocations: a single check frees what it allocates (the count hardly moves), but a batch keeps
    thousands of answers alive until its response is written, and at 700 the collector re-walked them
    over and over (a 10k-item batch in process: 1.7-2.8 s CPU at 700, 1.4-2.2 s at 50,000).
    """
    from api.app import create_app

    app = create_app()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GC_THRESHOLD, *gc.get_threshold()[1:])
    return app


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind (keep it private)"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port"),
    log_level: str = typer.Option("info", "--log-level", help="debug, info, warning or error"),
) -> None:
    """Serve the API (``api.app:create_app``) on httptools + uvloop, JSON logs, one access line each."""
    import uvicorn

    configure_logging(log_level)
    uvicorn.run(
        f"{__name__}:served_app",
        factory=True,
        host=host,
        port=port,
        # Our middleware writes the access line (with request id and route template), and our handler
        # formats everything as JSON: uvicorn's own logging config and access log would duplicate both.
        log_config=None,
        access_log=False,
        log_level=log_level,
        **SERVE_OPTIONS,  # type: ignore[arg-type]  # uvicorn types these as Literal names
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``graph-service`` app."""
    app.command("serve")(serve)
