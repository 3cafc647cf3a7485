"""``graph-service load``: registry, court-list and penalty data into the configured store."""

from __future__ import annotations

import datetime as dt
import getpass
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from graph_service.bootstrap import bootstrap
from graph_service.config import get_settings
from graph_service.errors import GraphServiceError
from graph_service.services.workflow.intake import LoadDoor
from loaders.pipeline import load
from loaders.report import REJECTS_HELP, LoadReport, issue_files

# Files smaller than this load too fast for a progress bar to be more than flicker.
_PROGRESS_MIN_BYTES = 4 * 1024 * 1024


class SourceFormat(StrEnum):
    V1 = "v1"
    COURT = "court"
    PENALTY = "penalty"
    FTM = "ftm"


class SourceEncoding(StrEnum):
    AUTO = "auto"
    UTF8 = "utf-8"
    GBK = "gbk"
    GB18030 = "gb18030"


class _Bar:
    """The pipeline's progress port, drawn with rich for files worth a bar."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: object | None = None

    def start(self, label: str, total_bytes: int) -> None:
        if total_bytes >= _PROGRESS_MIN_BYTES:
            self._task = self._progress.add_task(label, total=total_bytes)

    def advance(self, done_bytes: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=done_bytes)  # type: ignore[arg-type]

    def finish(self) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)  # type: ignore[arg-type]
            self._task = None


def load_command(
    source: Annotated[
        Path, typer.Argument(help="A format v1 directory, or a court, penalty or FtM file or directory.")
    ],
    fmt: Annotated[SourceFormat, typer.Option("--format", help="Source format.")] = SourceFormat.V1,
    encoding: Annotated[
        SourceEncoding,
        typer.Option("--encoding", help="Text encoding; auto = UTF-8 (BOM or not), else GB18030."),
    ] = SourceEncoding.AUTO,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and check references; write nothing.")
    ] = False,
    rejects: Annotated[Path | None, typer.Option("--rejects", help=REJECTS_HELP)] = None,
    operator: Annotated[
        str | None,
        typer.Option("--operator", help="Who loads (history records name them); default: the OS user."),
    ] = None,
    snapshot: Annotated[
        bool,
        typer.Option(
            "--snapshot",
            help="Court list only: the file is the complete current list of its court(s); their entries "
            "absent from it are ended (revoked: removed from the published list).",
        ),
    ] = False,
) -> None:
    """Load registry, court-list or penalty data into the configured store.

    Bad rows are written to the rejects file and do not fail the load (exit 0); a file that cannot be
    read, or lacks a required column, fails it before anything is written (exit 1).
    """
    # Piped or captured output has no terminal width; 120 columns keep the table's names whole.
    console = Console() if sys.stdout.isatty() else Console(width=120)
    if snapshot and fmt is not SourceFormat.COURT:
        typer.echo("error: --snapshot applies to --format court only", err=True)
        raise typer.Exit(2)
    rejects, warnings = issue_files(source, rejects)
    try:
        runtime = bootstrap(get_settings(), read_only=dry_run)
        store = runtime.store
    except GraphServiceError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    try:
        columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console, transient=True) as progress:
            report = load(
                store,
                source,
                fmt=fmt.value,
                encoding=encoding.value,
                dry_run=dry_run,
                rejects=rejects,
                warnings=warnings,
                progress=_Bar(progress),
                snapshot=snapshot,
                door=LoadDoor(
                    runtime.catalog,
                    runtime.policy,
                    operator or getpass.getuser(),
                    dt.datetime.now(dt.UTC),
                ),
            )
    except GraphServiceError as exc:
        typer.echo(f"error: the store refused the load: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"error: reading failed part-way: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        runtime.close()
    if not report.ok:
        typer.echo(f"error: {report.failure} (nothing was loaded)", err=True)
        raise typer.Exit(1)
    _print_summary(console, report, rejects, warnings)


def _print_summary(console: Console, report: LoadReport, rejects: Path, warnings: Path) -> None:
    title = f"{'Dry run' if report.dry_run else 'Load'} ({report.format})"
    table = Table(title=title)
    loaded = ["valid"] if report.dry_run else ["created", "updated", "unchanged"]
    for name in ["file", "encoding", "read", *loaded, "rejected", "warnings"]:
        table.add_column(name, justify="left" if name in {"file", "encoding"} else "right")
    for f in report.files:
        counts = [f.valid] if report.dry_run else [f.created, f.updated, f.unchanged]
        table.add_row(f.file, f.encoding, *(str(n) for n in (f.read, *counts, f.rejected, f.warnings)))
    totals = (
        [sum(f.valid for f in report.files)]
        if report.dry_run
        else [
            sum(f.created for f in report.files),
            sum(f.updated for f in report.files),
            sum(f.unchanged for f in report.files),
        ]
    )
    table.add_row("total", "", *(str(n) for n in (report.read, *totals, report.rejected, report.warnings)))
    console.print(table)
    for f in report.files:
        extras = {
            "new subjects named by rows": f.subjects_created,
            "of them unresolved persons": f.unresolved_persons,
            "unresolved persons resolved": f.resolved_persons,
            "identical repeats skipped": f.skipped,
        }
        said = ", ".join(f"{k}: {v}" for k, v in extras.items() if v)
        if said:
            console.print(f"{f.file}: {said}")
    for note in report.notes:
        console.print(f"note: {note}")
    rate = report.records_per_second
    console.print(f"{report.read} records in {report.seconds:.1f} s ({rate:,.0f} records/s)")
    if report.rejected:
        console.print(f"{report.rejected} rejected rows: see {rejects}")
    if report.warnings:
        console.print(f"{report.warnings} warnings: see {warnings}")


def register(app: typer.Typer) -> None:
    """Add this module's command to the ``graph-service`` app."""
    app.command("load")(load_command)
