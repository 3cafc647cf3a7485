"""``graph-service workflow expire|deliver|dead-letters|requeue`` and ``graph-service report``.

Jobs of the joint reward/punishment workflow for cron (docs/workflow.md). ``expire``, ``deliver`` and
``requeue`` write: on the embedded store they need its writer lock, so while ``graph-service serve`` runs on
the same data dir, the API's own worker does this work instead. ``report`` and ``dead-letters`` only read
and run beside a serving instance.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import httpx
import typer

from graph_service.config import Settings, get_settings
from graph_service.errors import GraphServiceError
from graph_service.services.workflow import delivery
from graph_service.services.workflow.report import month_range, write_report
from graph_service.services.workflow.stats import StatsQuery, compute_stats
from graph_service.services.workflow.tasks import expire
from graph_service.services.workflow_policy import delivery_policy_of, targets_of
from graph_service.store.base import GraphStore
from graph_service.store.factory import open_store

workflow_app = typer.Typer(
    name="workflow", help="Workflow jobs: expiry, webhook delivery, dead letters.", no_args_is_help=True
)


def _day(value: str | None, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else dt.datetime.now().astimezone().date()
    except ValueError:
        raise typer.BadParameter(f"{option} must be YYYY-MM-DD, got {value!r}") from None


def _open(settings: Settings, *, read_only: bool = False) -> GraphStore:
    try:
        return open_store(settings, read_only=read_only)
    except GraphServiceError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc


@workflow_app.command("expire")
def expire_cmd(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Day to judge validity on (default today)")
    ] = None,
) -> None:
    """Lift the tasks of entries past valid_until (pushing the lifts); safe to run again (idempotent)."""
    settings = get_settings()
    day = _day(as_of, "--as-of")
    store = _open(settings)
    try:
        run = expire(store, day, push_to=frozenset(settings.webhooks), now=dt.datetime.now().astimezone())
    except GraphServiceError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    finally:
        store.close()
    typer.echo(f"expired as of {day}: lifted {run.tasks} tasks of {run.entries} entries")


@workflow_app.command("deliver")
def deliver_cmd() -> None:
    """Send the webhook deliveries that are due (one pass, at most 100); failures wait for their backoff."""
    settings = get_settings()
    store = _open(settings)
    try:
        with httpx.Client(follow_redirects=False) as client:
            run = delivery.deliver_due(
                store,
                targets_of(settings),
                clock=lambda: dt.datetime.now().astimezone(),
                client=client,
                policy=delivery_policy_of(settings),
            )
    except GraphServiceError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    finally:
        store.close()
    typer.echo(
        f"delivered {run.delivered}, to retry {run.failed}, dead {run.dead}, "
        f"taken by another sender {run.skipped}"
    )


@workflow_app.command("dead-letters")
def dead_letters_cmd() -> None:
    """List the deliveries given up on: id, department, event, attempts, last error."""
    store = _open(get_settings(), read_only=True)
    try:
        letters = delivery.dead_letters(store)
    finally:
        store.close()
    for d in letters:
        typer.echo(f"{d.delivery_id}\t{d.department}\t{d.event.value}\t{d.attempts}\t{d.last_error or ''}")
    typer.echo(f"{len(letters)} dead letters", err=True)


@workflow_app.command("requeue")
def requeue_cmd(delivery_id: Annotated[str, typer.Argument(help="Id from `workflow dead-letters`")]) -> None:
    """Send a dead letter again from its first attempt (after the receiver was fixed)."""
    store = _open(get_settings())
    try:
        delivery.requeue(store, delivery_id, dt.datetime.now().astimezone())
    except GraphServiceError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    finally:
        store.close()
    typer.echo(f"requeued {delivery_id}")


def report_cmd(
    month: Annotated[str, typer.Option("--month", help="The month reported, YYYY-MM")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the CSV files and the chart")],
    dept: Annotated[str | None, typer.Option("--dept", help="Only this department")] = None,
    region: Annotated[str | None, typer.Option("--region", help="Only this 6-digit region")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Judge overdue on this day (default today)")
    ] = None,
) -> None:
    """Write the monthly workflow report: summary, entries and departments as CSV, feedback-rate chart."""
    try:
        start, end = month_range(month)
    except GraphServiceError as exc:
        raise typer.BadParameter(exc.detail, param_hint="--month") from exc
    if region is not None and not (len(region) == 6 and region.isascii() and region.isdigit()):
        raise typer.BadParameter(f"must be a 6-digit region code, got {region!r}", param_hint="--region")
    query = StatsQuery(start=start, end=end, as_of=_day(as_of, "--as-of"), dept=dept, region=region)
    store = _open(get_settings(), read_only=True)
    try:
        stats = compute_stats(store, query)
    except GraphServiceError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    finally:
        store.close()
    title = f"实施部门反馈率 {month}" + (f"（{dept}）" if dept else "")
    for path in write_report(stats, out, title=title):
        typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``graph-service`` app."""
    app.command("report")(report_cmd)
    app.add_typer(workflow_app)
