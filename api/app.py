"""The HTTP API: ``create_app()`` builds one FastAPI app around a store, an audit log and the catalog.

Run it with ``graph-service serve`` (or ``uvicorn api.app:create_app --factory``). Tests pass their own
settings and store: ``create_app(settings=Settings(api_keys=...), store=MemoryStore(None))``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig

from api.auth import KeyRing
from api.context import AppContext
from api.errors import install_error_handlers
from api.metrics import Metrics
from api.middleware import BodyLimitMiddleware, RequestContextMiddleware
from api.ratelimit import RateLimitMiddleware
from api.routers import (
    audit,
    checks,
    commitments,
    complaints,
    disputes,
    entries,
    explorer,
    feed,
    feed_push,
    health,
    loads,
    metrics,
    public,
    repairs,
    reports,
    stats,
    subjects,
    tasks,
    webhooks,
    workspace,
)
from api.routers.check_lane import CheckLaneMiddleware
from graph_service import __version__
from graph_service.audit import AuditLog
from graph_service.bootstrap import bootstrap
from graph_service.config import Settings
from graph_service.store.base import GraphStore

DESCRIPTION = """
Credit knowledge graph for joint reward and punishment (守信联合激励和失信联合惩戒).

* **checks** — related-party credit checks for an approval scenario (应查必查), with the measures that apply
  and the path that makes them apply.
* **subjects** — a subject's profile, entries and neighbourhood.
* **audit** — the tamper-evident log of every check and lookup (admins).

Send your API key in the `X-API-Key` header. Errors are `application/problem+json`; every response carries
an `X-Request-ID`. ID numbers are masked (`430923********1011`) for every role but investigator and admin.
"""

TAGS = [
    {"name": "checks", "description": "Credit checks before an approval decision"},
    {"name": "subjects", "description": "Subjects, their entries and relations"},
    {"name": "audit", "description": "The hash-chained audit log (admin)"},
    {"name": "health", "description": "Liveness and readiness probes"},
    {"name": "metrics", "description": "Prometheus metrics"},
    {"name": "feed", "description": "The signed change feed of list entries, for peer deployments"},
    {"name": "reports", "description": "Credit reports (信用报告): issued with a number, verified by it"},
    {"name": "loads", "description": "A department's export uploaded, checked and loaded (导入)"},
    {"name": "commitments", "description": "Credit commitments (信用承诺): 容缺受理 and public commitments"},
    {"name": "complaints", "description": "Complaints and reports from the public (投诉、举报)"},
]


#: FastAPI's native OpenTelemetry off: the service reports through its own Prometheus metrics and JSON
#: logs and configures no OpenTelemetry provider, yet with telemetry on FastAPI asks the global tracer,
#: meter and logger providers whether one was configured on every request (~4.5 us of a check).
NO_OPENTELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def create_app(
    settings: Settings | None = None, store: GraphStore | None = None, *, audit_log: AuditLog | None = None
) -> FastAPI:
    """Build the app over :func:`~graph_service.bootstrap.bootstrap`: the configured store and its own
    audit log, unless given.

    What the app opens it closes at shutdown; a store or audit log passed in stays the caller's to close.
    """
    # Not get_settings(): its cached instance would keep the raw API keys alive for the process lifetime.
    settings = settings if settings is not None else Settings()
    keys = KeyRing(settings.api_keys)
    # From here on the keys exist only as digests in ``keys`` (see AppContext).
    settings = settings.model_copy(update={"api_keys": {}})
    runtime = bootstrap(settings, store=store, audit=audit_log, eager_audit=True)
    ctx = AppContext(runtime=runtime, keys=keys, metrics=Metrics())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        runners = runtime.runners()  # webhook pushes and daily expiry; peers' feeds
        for runner in runners:
            runner.start()
        yield
        load_jobs.close()  # a running load finishes before the store closes
        for runner in reversed(runners):
            runner.stop()
        ctx.close()

    app = FastAPI(
        title="graph_service",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        telemetry=NO_OPENTELEMETRY,
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    # Added inner to outer: the request id must exist before the body limit can answer with it.
    app.add_middleware(CheckLaneMiddleware)  # innermost: a well-formed check answered without routing
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        larger={loads.PATH: (settings.max_upload_bytes, loads.UPLOAD_SETTING)},
    )
    # Outside the body limit: a key over its rate is refused before its body is read.
    app.add_middleware(RateLimitMiddleware, per_minute=settings.rate_limit_per_minute, keys=keys)
    app.add_middleware(RequestContextMiddleware, metrics=ctx.metrics)

    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(audit.router)
    app.include_router(checks.router)
    app.include_router(subjects.router)
    app.include_router(reports.issuing)  # GET /v1/subjects/{id}/report
    app.include_router(reports.router)  # GET /v1/reports/{no}
    app.include_router(commitments.router)
    app.include_router(complaints.router)
    app.include_router(entries.router)
    app.include_router(disputes.router)
    app.include_router(repairs.router)
    app.include_router(tasks.router)
    app.include_router(public.router)
    app.include_router(stats.router)
    app.include_router(webhooks.router)
    app.include_router(feed.router)  # the signed change feed for peer deployments
    app.include_router(feed_push.router)  # pages a peer pushes here (the province hub)
    load_jobs = loads.install(app, ctx)  # POST /v1/loads: a department's export, loaded in this process
    workspace.install(app)  # the credit office's and departments' page at /workspace, and its reads
    explorer.install(app)  # investigator explorer: /v1/graph, the page at /, its files at /static
    return app
