"""The HTTP API: ``create_app()`` builds one FastAPI app around a store, an audit log and the catalog.

Run it with ``graph-service serve`` (or ``uvicorn api.app:create_app --factory``). Tests pass their own
settings and store: ``create_app(settings=Settings(api_keys=...), store=MemoryStore(None))``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.auth import KeyRing
from api.context import AppContext
from api.errors import install_error_handlers
from api.metrics import Metrics
from api.middleware import BodyLimitMiddleware, RequestContextMiddleware
from api.ratelimit import RateLimitMiddleware
from api.routers import (
    audit,
    checks,
    entries,
    explorer,
    feed,
    health,
    metrics,
    public,
    stats,
    subjects,
    tasks,
    webhooks,
)
from graph_service import __version__
from graph_service.audit import AuditLog, open_audit_log
from graph_service.config import Settings
from graph_service.federation.background import followers_for
from graph_service.services.checks.catalog import load_catalog
from graph_service.services.workflow_policy import worker_for
from graph_service.store.base import GraphStore
from graph_service.store.factory import open_store

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
]


def create_app(
    settings: Settings | None = None, store: GraphStore | None = None, *, audit_log: AuditLog | None = None
) -> FastAPI:
    """Build the app. Opens the configured store (and the audit log beside it) unless given.

    What the app opens it closes at shutdown; a store or audit log passed in stays the caller's to close.
    """
    # Not get_settings(): its cached instance would keep the raw API keys alive for the process lifetime.
    settings = settings if settings is not None else Settings()
    keys = KeyRing(settings.api_keys)
    # From here on the keys exist only as digests in ``keys`` (see AppContext).
    settings = settings.model_copy(update={"api_keys": {}})
    catalog = load_catalog(settings.measures_file)
    owns_store = store is None
    store = store if store is not None else open_store(settings)
    owns_audit = audit_log is None
    try:
        audit_log = audit_log if audit_log is not None else open_audit_log(settings, store)
    except BaseException:
        if owns_store:
            store.close()
        raise
    ctx = AppContext(
        settings=settings,
        store=store,
        audit=audit_log,
        catalog=catalog,
        keys=keys,
        metrics=Metrics(),
        owns_store=owns_store,
        owns_audit=owns_audit,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        worker = worker_for(settings, store)  # webhook pushes and daily expiry; None without webhooks
        if worker is not None:
            worker.start()
        followers = followers_for(settings, store)  # peers' feeds (issue 8); None without SYNC_PEERS
        if followers is not None:
            followers.start()
        yield
        if followers is not None:
            followers.stop()
        if worker is not None:
            worker.stop()
        ctx.close()

    app = FastAPI(
        title="graph_service",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    # Added inner to outer: the request id must exist before the body limit can answer with it.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    # Outside the body limit: a key over its rate is refused before its body is read.
    app.add_middleware(RateLimitMiddleware, per_minute=settings.rate_limit_per_minute)
    app.add_middleware(RequestContextMiddleware, metrics=ctx.metrics)

    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(audit.router)
    # ---- lead: API areas (one import + one include_router line each) -----------------------------
    app.include_router(checks.router)
    app.include_router(subjects.router)
    app.include_router(entries.router)
    app.include_router(tasks.router)
    app.include_router(public.router)
    app.include_router(stats.router)
    app.include_router(webhooks.router)
    app.include_router(feed.router)  # the signed change feed for peer deployments (issue 8)
    explorer.install(app)  # investigator explorer: /v1/graph, the page at /, its files at /static
    # ------------------------------------------------------------------------------------------------
    return app
