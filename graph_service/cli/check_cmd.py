"""``graph-service check ID --scenario S``: the related-party check in the terminal."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from graph_service.bootstrap import open_runtime
from graph_service.config import get_settings
from graph_service.domain.measures import Scenario
from graph_service.errors import GraphServiceError
from graph_service.services.checks.models import CheckRequest, CheckResult, PathSubject
from graph_service.services.checks.related_party import run_check

_VERDICT_STYLE = {
    "block": "bold white on red",
    "review": "bold black on yellow",
    "pass": "bold white on green",
}


def check(
    subject_id: Annotated[str, typer.Argument(help="USCC or ID number of the applicant")],
    scenario: Annotated[Scenario, typer.Option("--scenario", "-s", help="The decision the check is for")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Check date YYYY-MM-DD (default today)")
    ] = None,
    depth: Annotated[int, typer.Option("--depth", min=1, max=4, help="Hops to related parties")] = 2,
    include_history: Annotated[
        bool, typer.Option("--include-history", help="Walk ended relations too")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON answer")] = False,
) -> None:
    """Check a subject for one scenario: verdict, measures, related-party hits with paths."""
    settings = get_settings()
    try:
        day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError:
        raise typer.BadParameter(f"--as-of must be YYYY-MM-DD, got {as_of!r}") from None
    try:
        with open_runtime(settings, read_only=True) as runtime:
            request = CheckRequest(
                subject_id=subject_id,
                scenario=scenario,
                depth=depth,
                as_of=day,
                include_history=include_history,
            )
            result = run_check(
                runtime.store, runtime.catalog, request, as_of=day, fan_out_limit=settings.fan_out_limit
            )
    except GraphServiceError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        print_result(Console(), result)


def print_result(console: Console, result: CheckResult) -> None:
    """A readable summary: the verdict first, then why."""
    s = result.subject
    console.print(f"[bold]{s.name or s.id}[/] {s.id} ({s.kind or 'unknown'}, {s.region or '-'})")
    console.print(
        f"verdict [{_VERDICT_STYLE[result.verdict.value]}] {result.verdict.value.upper()} [/] "
        f"for {result.scenario.value} on {result.as_of}"
        + ("  [green]green channel (绿色通道)[/]" if result.green_channel else "")
    )
    if result.note:
        console.print(f"[yellow]{result.note}[/]")
    if result.measures:
        table = Table("measure", "name", "mandatory", "entry", "via", title="Measures reaching the subject")
        for m in result.measures:
            table.add_row(m.measure, m.name, "yes" if m.mandatory else "no", m.entry_id, m.via)
        console.print(table)
    if result.hits:
        table = Table("hops", "subject", "name", "entries", "path", title="Related-party hits")
        for h in result.hits:
            path = " → ".join(
                e.name or e.id if isinstance(e, PathSubject) else escape(f"[{e.role}]") for e in h.path
            )
            entries = (
                ", ".join(f"{e.entry_id} ({e.list.value}/{e.domain.value})" for e in h.entries) or "measures"
            )
            table.add_row(str(h.hops), h.subject_id, h.name or "", entries, path)
        console.print(table)
    if result.suspended:
        console.print(
            "suspended (disputed, not enforced): " + ", ".join(e.entry_id for e in result.suspended)
        )
    if result.truncated:
        console.print("[yellow]truncated: a hub had more relations than the fan-out limit[/]")
    console.print(f"[dim]check {result.check_id} · data version {result.data_version}[/]")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``graph-service`` app."""
    app.command("check")(check)
