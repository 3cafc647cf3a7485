"""``graph-service compact`` and ``graph-service stats``: store maintenance (added by :func:`register`)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from graph_service.bootstrap import open_runtime
from graph_service.config import get_settings
from graph_service.errors import GraphServiceError
from graph_service.store.memory import MemoryStore


def compact() -> None:
    """Fold the embedded store's journal into a snapshot and write the binary snapshot of its state, so
    the next start loads that and replays nothing.

    Needs the writer lock: stop a serving instance on the same data dir first.
    """
    settings = get_settings()
    if settings.uses_neo4j:
        typer.echo(
            "error: compact applies to the embedded store only; GRAPH_SERVICE_NEO4J_URI is set, and Neo4j "
            "manages its own storage",
            err=True,
        )
        raise typer.Exit(2)
    try:
        with open_runtime(settings) as runtime:
            store = runtime.store
            assert isinstance(store, MemoryStore)  # the embedded store whenever no Neo4j URI is set
            result = store.compact()
    except GraphServiceError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"compacted {settings.data_dir}: journal of {result.journal_bytes} bytes folded into a snapshot of "
        f"{result.snapshot_bytes} bytes at data version {result.data_version} (binary snapshot "
        f"{result.binary_bytes} bytes)"
    )


def stats(
    as_json: bool = typer.Option(False, "--json", help="Print the counts as one JSON object."),
) -> None:
    """Print how many subjects, regions, relations and entries the store holds.

    Opens the store read-only, so it can run beside a serving instance.
    """
    settings = get_settings()
    try:
        with open_runtime(settings, read_only=True) as runtime:
            counts = runtime.store.counts()
            version = runtime.store.data_version()
    except GraphServiceError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    if as_json:
        typer.echo(json.dumps(counts, ensure_ascii=False, sort_keys=True))
        return
    backend = "Neo4j" if settings.uses_neo4j else f"embedded store at {settings.data_dir}"
    table = Table(title=f"data version {version}", caption=backend)
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in counts.items():
        table.add_row(key, str(value))
    # Keys such as entries:watch:active are data: no markup, no :emoji: codes.
    Console(markup=False, emoji=False).print(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``graph-service`` app."""
    app.command("compact")(compact)
    app.command("stats")(stats)
