"""``graph-service neo4j start|stop|status|import``: the local Neo4j server for development and tests.

``import`` is a first load of a large registry through ``neo4j-admin import`` (the database must be empty).

Configured by the GRAPH_SERVICE_NEO4J_* settings (home, bolt port, heap,
page cache, password, ...).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from graph_service.config import Settings
from graph_service.errors import GraphServiceError
from graph_service.neo4j_local import LauncherError, LaunchOptions, LocalNeo4j
from graph_service.neo4j_local.launcher import State
from graph_service.store.neo4j.bulk_import import BulkReport, bulk_import
from loaders.pipeline import load_v1
from loaders.report import REJECTS_HELP, LoadReport, issue_files

neo4j_app = typer.Typer(
    name="neo4j",
    help="Run a local Neo4j 5.26 from the Maven jars (no Docker needed).",
    no_args_is_help=True,
)

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


def import_command(
    source: Annotated[Path, typer.Argument(help="Directory of format v1 CSV files (as `load` takes).")],
    rejects: Annotated[Path | None, typer.Option("--rejects", help=REJECTS_HELP)] = None,
    files_dir: Annotated[
        Path | None,
        typer.Option("--files-dir", help="Where to write the import files (default: <home>/import-files)."),
    ] = None,
    keep_files: Annotated[
        bool, typer.Option("--keep-files", help="Keep the import files afterwards.")
    ] = False,
    report_json: Annotated[
        Path | None, typer.Option("--report-json", help="Also write the figures of the import as JSON.")
    ] = None,
) -> None:
    """Bulk-load a registry into the EMPTY local Neo4j database (neo4j-admin import; much faster than load).

    Rows are validated exactly as `load` does (bad rows go to the rejects file); the server is stopped
    for the import and running afterwards. Refused if the database holds anything.
    """
    try:
        options = LaunchOptions.from_settings(Settings())
    except ValidationError as exc:
        typer.echo(f"error: invalid GRAPH_SERVICE_* settings:\n{exc}", err=True)
        raise typer.Exit(2) from exc
    rejects, warnings = issue_files(source, rejects)
    try:
        report = bulk_import(
            load_v1(source, rejects=rejects, warnings=warnings),
            options,
            files_dir or options.home / "import-files",
            keep_files=keep_files,
            echo=lambda line: typer.echo(line, err=True),
        )
    except LauncherError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    except GraphServiceError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    if not report.load.ok:
        typer.echo(f"error: {report.load.failure} (nothing was loaded)", err=True)
        raise typer.Exit(1)
    if report_json is not None:
        report_json.write_text(json.dumps(_figures(report), indent=2) + "\n", encoding="utf-8")
    _print(report, rejects)


def _figures(report: BulkReport[LoadReport]) -> dict[str, object]:
    return {
        "records": report.load.read,
        "rejected": report.load.rejected,
        "seconds": report.seconds,
        "records_per_s": report.records_per_second,
        "phases_s": report.phases,
        "files": {
            f.file: {"read": f.read, "rejected": f.rejected, "seconds": f.seconds} for f in report.load.files
        },
        "import_rows": report.files,
        "personal_links": report.load.links.created,
        "restored_empty_lists": report.restored_lists,
        "data_version": report.data_version,
        "importer_summary": report.importer_summary,
        "staging_peak_rss_mb": report.staging_peak_rss_mb,
    }


def _print(report: BulkReport[LoadReport], rejects: Path) -> None:
    phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.phases.items())
    typer.echo(
        f"{report.load.read} records in {report.seconds:.1f} s ({report.records_per_second:,.0f} records/s): "
        f"{phases}"
    )
    typer.echo(", ".join(f"{name}: {rows}" for name, rows in report.files.items() if rows))
    if report.load.rejected:
        typer.echo(f"{report.load.rejected} rejected rows: see {rejects}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``graph-service`` app."""
    neo4j_app.command("import")(import_command)
    app.add_typer(neo4j_app)
