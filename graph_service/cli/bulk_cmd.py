"""``graph-service neo4j import DIR``: a first load of a large registry through ``neo4j-admin import``.

Registers itself on the ``neo4j`` sub-command. Same settings as ``neo4j start`` (GRAPH_SERVICE_NEO4J_HOME,
bolt port, heap, page cache, password); the database must be empty.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from graph_service.cli.neo4j_cmd import neo4j_app
from graph_service.config import Settings
from graph_service.errors import GraphServiceError
from graph_service.neo4j_local import LauncherError, LaunchOptions
from loaders.bulk import BulkReport, bulk_import


@neo4j_app.command("import")
def import_command(
    source: Annotated[Path, typer.Argument(help="Directory of format v1 CSV files (as `load` takes).")],
    rejects: Annotated[
        Path, typer.Option("--rejects", help="CSV of rejected rows (file, line, column, value, reason).")
    ] = Path("load-rejects.csv"),
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
    warnings = rejects.with_name(f"{rejects.stem}.warnings{rejects.suffix or '.csv'}")
    try:
        report = bulk_import(
            source,
            options,
            files_dir or options.home / "import-files",
            rejects=rejects,
            warnings=warnings,
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


def _figures(report: BulkReport) -> dict[str, object]:
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
    }


def _print(report: BulkReport, rejects: Path) -> None:
    phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.phases.items())
    typer.echo(
        f"{report.load.read} records in {report.seconds:.1f} s ({report.records_per_second:,.0f} records/s): "
        f"{phases}"
    )
    typer.echo(", ".join(f"{name}: {rows}" for name, rows in report.files.items() if rows))
    if report.load.rejected:
        typer.echo(f"{report.load.rejected} rejected rows: see {rejects}")
