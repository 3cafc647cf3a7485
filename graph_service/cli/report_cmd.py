"""``graph-service report --month YYYY-MM --out DIR``: the monthly workflow report (only reads).

Runs beside a serving instance (the store is opened read-only).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from graph_service.cli.runtime import day_option, runtime_for
from graph_service.config import get_settings
from graph_service.errors import GraphServiceError
from graph_service.services.workflow.report import month_range, write_report
from graph_service.services.workflow.stats import StatsQuery, compute_stats


def report_cmd(
    month: Annotated[str, typer.Option("--month", help="The month reported, YYYY-MM")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the CSV files and the chart")],
    dept: Annotated[str | None, typer.Option("--dept", help="Only this department")] = None,
    region: Annotated[str | None, typer.Option("--region", help="Only this 6-digit region")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Judge overdue on this day (default today)")
    ] = None,
) -> None:
    """Write the monthly workflow report: summary, entries and departments as CSV, feedback-rate chart."""
    try:
        start, end = month_range(month)
    except GraphServiceError as exc:
        raise typer.BadParameter(exc.detail, param_hint="--month") from exc
    if region is not None and not (len(region) == 6 and region.isascii() and region.isdigit()):
        raise typer.BadParameter(f"must be a 6-digit region code, got {region!r}", param_hint="--region")
    query = StatsQuery(start=start, end=end, as_of=day_option(as_of, "--as-of"), dept=dept, region=region)
    runtime = runtime_for(get_settings(), read_only=True)
    try:
        stats = compute_stats(runtime.store, query)
    except GraphServiceError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    finally:
        runtime.close()
    title = f"实施部门反馈率 {month}" + (f"（{dept}）" if dept else "")
    for path in write_report(stats, out, title=title):
        typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add ``report`` to the ``graph-service`` app."""
    app.command("report")(report_cmd)
