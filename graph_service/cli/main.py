"""Entry point of the ``graph-service`` command."""

from __future__ import annotations

import typer

from graph_service import __version__
from graph_service.cli import (
    audit_cmd,
    check_cmd,
    export_cmd,
    load_cmd,
    neo4j_cmd,
    pseudonyms_cmd,
    push_cmd,
    report_cmd,
    serve_cmd,
    store_cmd,
    sync_cmd,
    synth_cmd,
    workflow_cmd,
)

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


def _register_commands() -> None:
    """Every command group, registered explicitly (no module registers itself on import)."""
    for module in (
        audit_cmd,
        check_cmd,
        export_cmd,
        load_cmd,
        neo4j_cmd,
        pseudonyms_cmd,
        push_cmd,
        report_cmd,
        serve_cmd,
        store_cmd,
        sync_cmd,
        synth_cmd,
        workflow_cmd,
    ):
        module.register(app)


_register_commands()
