"""What commands share: their runtime from :func:`graph_service.bootstrap.bootstrap`, and day options."""

from __future__ import annotations

import datetime as dt

import typer

from graph_service.bootstrap import Runtime, bootstrap
from graph_service.config import Settings
from graph_service.errors import GraphServiceError


def runtime_for(settings: Settings, *, read_only: bool = False) -> Runtime:
    """The command's runtime (close it when done); a store that cannot be opened ends the command."""
    try:
        return bootstrap(settings, read_only=read_only)
    except GraphServiceError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc


def day_option(value: str | None, option: str) -> dt.date:
    """A ``YYYY-MM-DD`` option, or today in the server's time zone when not given."""
    try:
        return dt.date.fromisoformat(value) if value else dt.datetime.now().astimezone().date()
    except ValueError:
        raise typer.BadParameter(f"{option} must be YYYY-MM-DD, got {value!r}") from None
