"""``graph-service neo4j start|stop|status``: the local Neo4j server for development and tests.

Registers itself on ``app``. Configured by the GRAPH_SERVICE_NEO4J_* settings (home, bolt port, heap,
page cache, password, ...).
"""

from __future__ import annotations

import typer
from pydantic import ValidationError

from graph_service.cli.main import app
from graph_service.config import Settings
from graph_service.neo4j_local import LauncherError, LaunchOptions, LocalNeo4j
from graph_service.neo4j_local.launcher import State

neo4j_app = typer.Typer(
    name="neo4j",
    help="Run a local Neo4j 5.26 from the Maven jars (no Docker needed).",
    no_args_is_help=True,
)
app.add_typer(neo4j_app)

# `status` exit codes follow the LSB init-script convention, so scripts can branch on them.
EXIT_RUNNING = 0
EXIT_UNHEALTHY = 1
EXIT_NOT_RUNNING = 3


def _launcher() -> LocalNeo4j:
    # A fresh Settings, not the cached process-wide one: each command must see the environment it runs in.
    try:
        settings = Settings()
    except ValidationError as exc:
        typer.echo(f"error: invalid GRAPH_SERVICE_* settings:\n{exc}", err=True)
        raise typer.Exit(2) from exc
    return LocalNeo4j(LaunchOptions.from_settings(settings), echo=lambda line: typer.echo(line, err=True))


@neo4j_app.command()
def start() -> None:
    """Start Neo4j in the background; return once Bolt accepts the password (fetches jars the first time)."""
    launcher = _launcher()
    try:
        result = launcher.start()
    except LauncherError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(result.message)
    if not result.already_running:
        typer.echo(f"logs: {launcher.options.logs_dir}   data: {launcher.options.data_dir}")


@neo4j_app.command()
def stop() -> None:
    """Stop the Neo4j this home's pid file names (and nothing else); not running is not an error."""
    try:
        result = _launcher().stop()
    except LauncherError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(result.message)


@neo4j_app.command()
def status() -> None:
    """Report whether our Neo4j runs and answers Bolt (exit 0), runs but does not answer (1), or not (3)."""
    report = _launcher().status()
    typer.echo(report.message)
    codes = {
        State.RUNNING: EXIT_RUNNING,
        State.UNHEALTHY: EXIT_UNHEALTHY,
        State.NOT_RUNNING: EXIT_NOT_RUNNING,
    }
    raise typer.Exit(codes[report.state])
