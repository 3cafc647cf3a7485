"""Entry point of the ``graph-service`` command."""

from __future__ import annotations

import typer

from graph_service import __version__

app = typer.Typer(
    name="graph-service", help="Credit knowledge graph for joint reward and punishment.", no_args_is_help=True
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"graph-service {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Credit knowledge graph: loads, checks, workflow, explorer, peer feed."""


# Sub-command registration: one line per area (keep this list short and sorted).
from graph_service.cli import (  # noqa: E402
    audit_cmd,  # noqa: F401  (registers `audit verify`)
    bulk_cmd,  # noqa: F401  (registers `neo4j import`)
    check_cmd,  # noqa: F401  (registers `check`)
    load_cmd,  # noqa: F401  (registers `load`, `synth`)
    neo4j_cmd,  # noqa: F401  (registers `neo4j start|stop|status`)
    serve_cmd,  # noqa: F401  (registers `serve`)
    store_cmd,  # noqa: F401  (registers `compact`, `stats`)
    sync_cmd,  # noqa: F401  (registers `sync --peer NAME`)
    workflow_cmd,  # noqa: F401  (registers `workflow expire|deliver|dead-letters|requeue`, `report`)
)
