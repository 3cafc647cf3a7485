"""``graph-service workflow expire|breaches|deliver|dead-letters|requeue``.

Jobs of the joint reward/punishment workflow for cron (docs/workflow.md). ``expire``, ``deliver`` and
``requeue`` write: on the embedded store they need its writer lock, so while ``graph-service serve`` runs on
the same data dir, the API's own worker does this work instead. ``dead-letters`` only reads and runs beside a
serving instance.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import httpx
import typer

from graph_service.bootstrap import Runtime
from graph_service.cli.runtime import day_option, runtime_for
from graph_service.config import Settings, get_settings
from graph_service.domain.model import ListKind
from graph_service.errors import GraphServiceError
from graph_service.services.commitments.service import record_breaches
from graph_service.services.workflow import delivery
from graph_service.services.workflow.tasks import expire

workflow_app = typer.Typer(
    name="workflow", help="Workflow jobs: expiry, webhook delivery, dead letters.", no_args_is_help=True
)


def _open(settings: Settings, *, read_only: bool = False) -> Runtime:
    return runtime_for(settings, read_only=read_only)


@workflow_app.command("expire")
def expire_cmd(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Day to judge validity on (default today)")
    ] = None,
) -> None:
    """Lift the tasks of entries past valid_until (pushing the lifts); safe to run again (idempotent)."""
    settings = get_settings()
    day = day_option(as_of, "--as-of")
    runtime = _open(settings)
    store = runtime.store
    try:
        run = expire(
            store,
            day,
            push_to=runtime.policy.push_to,
            now=dt.datetime.now().astimezone(),
            policy=runtime.policy,
        )
    except GraphServiceError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    finally:
        runtime.close()
    typer.echo(
        f"expired as of {day}: lifted {run.tasks} tasks of {run.entries} entries; "
        f"reinstated {run.reinstated} red entries whose suspending black entry expired"
    )


@workflow_app.command("breaches")
def breaches_cmd(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The day to judge deadlines on (default today)")
    ] = None,
) -> None:
    """Record every 容缺受理 commitment past its due day as a breach (an entry on the watch list, or the list
    GRAPH_SERVICE_COMMITMENT_BREACH_LIST names); safe to run again (a breach is recorded once)."""
    settings = get_settings()
    day = day_option(as_of, "--as-of")
    runtime = _open(settings)
    try:
        breaches = record_breaches(
            runtime.store,
            runtime.catalog,
            today=day,
            now=dt.datetime.now().astimezone(),
            policy=runtime.policy,
            breach_list=ListKind(settings.commitment_breach_list),
        )
    except GraphServiceError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    finally:
        runtime.close()
    typer.echo(f"breaches as of {day}: {len(breaches)} recorded")
    for breach in breaches:
        typer.echo(f"  {breach.commitment.commitment_id} -> entry {breach.entry_id}")


@workflow_app.command("deliver")
def deliver_cmd() -> None:
    """Send the webhook deliveries that are due (one pass, at most 100); failures wait for their backoff."""
    settings = get_settings()
    runtime = _open(settings)
    store = runtime.store
    try:
        with httpx.Client(follow_redirects=False) as client:
            run = delivery.deliver_due(
                store,
                runtime.deliveries.targets,
                clock=lambda: dt.datetime.now().astimezone(),
                client=client,
                policy=runtime.deliveries.policy,
            )
    except GraphServiceError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    finally:
        runtime.close()
    typer.echo(
        f"delivered {run.delivered}, to retry {run.failed}, dead {run.dead}, "
        f"taken by another sender {run.skipped}"
    )


@workflow_app.command("dead-letters")
def dead_letters_cmd() -> None:
    """List the deliveries given up on: id, department, event, attempts, last error."""
    runtime = _open(get_settings(), read_only=True)
    store = runtime.store
    try:
        letters = delivery.dead_letters(store)
    finally:
        runtime.close()
    for d in letters:
        typer.echo(f"{d.delivery_id}\t{d.department}\t{d.event.value}\t{d.attempts}\t{d.last_error or ''}")
    typer.echo(f"{len(letters)} dead letters", err=True)


@workflow_app.command("requeue")
def requeue_cmd(delivery_id: Annotated[str, typer.Argument(help="Id from `workflow dead-letters`")]) -> None:
    """Send a dead letter again from its first attempt (after the receiver was fixed)."""
    runtime = _open(get_settings())
    store = runtime.store
    try:
        delivery.requeue(store, delivery_id, dt.datetime.now().astimezone())
    except GraphServiceError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    finally:
        runtime.close()
    typer.echo(f"requeued {delivery_id}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``graph-service`` app."""
    app.add_typer(workflow_app)
