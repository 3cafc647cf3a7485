"""``graph-service push --target NAME``: push this store's change feed to a target (the province hub).

Sends every page the target has not acknowledged, in order, retrying a page while the target is down,
and prints one summary line as JSON (pages, events, applied there, acknowledged position). Exit codes:
0 the target has everything; 1 dead letter (the target stayed down, or refused a page, after the
retries; recorded in the audit log as ``feed.push.dead_letter``); 3 the store could not be opened.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from graph_service.bootstrap import bootstrap
from graph_service.config import get_settings
from graph_service.errors import GraphServiceError
from graph_service.federation.push import DeadLetter, PushClient, dead_letter_event, push
from graph_service.federation.sync import Backoff
from graph_service.logging import configure_logging


def push_command(
    target: Annotated[str, typer.Option("--target", help="Name of the target in GRAPH_SERVICE_PUSH_TARGETS")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="Events per page")] = 200,
    retries: Annotated[
        int | None,
        typer.Option("--retries", min=0, help="Retries of a page (default GRAPH_SERVICE_PUSH_RETRIES)"),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info, warning or error")] = "warning",
) -> None:
    """Push the feed after the acknowledged position until the target has all of it."""
    configure_logging(log_level)
    settings = get_settings()
    config = settings.push_targets.get(target)
    if config is None:
        known = ", ".join(sorted(settings.push_targets)) or "none configured"
        raise typer.BadParameter(
            f"unknown target {target!r} (GRAPH_SERVICE_PUSH_TARGETS has: {known})", param_hint="--target"
        )
    try:
        runtime = bootstrap(settings)
    except GraphServiceError as exc:
        typer.echo(f"error: cannot open the store: {exc.detail}", err=True)
        raise typer.Exit(3) from exc
    client = PushClient(target, config, window_s=settings.feed_replay_window_s)

    def record(dead: DeadLetter) -> None:
        runtime.audit.record(dead_letter_event(dead, actor="cli:push"))

    try:
        report = push(
            runtime.store,
            client,
            region=settings.region,
            limit=limit,
            retries=settings.push_retries if retries is None else retries,
            backoff=Backoff(initial_s=1.0, cap_s=60.0),
            on_dead=record,
        )
    finally:
        client.close()
        runtime.close()
    summary = {
        "target": target,
        "pages": report.pages,
        "events": report.events,
        "applied": report.applied,
        "position": report.position,
        "dead_letter": None if report.dead is None else report.dead.reason,
    }
    typer.echo(json.dumps(summary, ensure_ascii=False))
    if report.dead is not None:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``push`` to the ``graph-service`` command."""
    app.command("push")(push_command)
