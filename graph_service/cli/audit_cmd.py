"""``graph-service audit verify``: check the audit log's hash chain (added by :func:`register`)."""

from __future__ import annotations

import typer

from graph_service.bootstrap import audit_log_only
from graph_service.config import get_settings
from graph_service.errors import GraphServiceError

audit_app = typer.Typer(name="audit", help="The tamper-evident audit log.", no_args_is_help=True)


@audit_app.command("verify")
def verify() -> None:
    """Walk the whole chain: print OK and the count, or the first broken record and exit 1.

    Opens the log read-only, so it can run beside a serving instance.
    """
    settings = get_settings()
    try:
        with audit_log_only(settings) as log:
            result = log.verify()
    except GraphServiceError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from exc
    if result.ok:
        typer.echo(f"OK: {result.count} audit records, hash chain intact")
        return
    typer.echo(
        f"BROKEN at seq {result.first_broken_seq}: {result.reason} "
        f"({result.count} records before it are intact)"
    )
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``graph-service`` app."""
    app.add_typer(audit_app)
