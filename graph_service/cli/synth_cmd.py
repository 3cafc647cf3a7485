"""``graph-service synth``: write a synthetic registry to load (a tool for demos, tests and benchmarks)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from graph_service.synth import generate


def synth_command(
    out: Annotated[Path, typer.Argument(help="Directory to write the registry to (created if missing).")],
    orgs: Annotated[int, typer.Option("--orgs", min=1, help="Number of organisations.")] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed: the same seed writes the same files.")
    ] = 1,
) -> None:
    """Write a realistic synthetic registry in format v1, plus small court-list and penalty samples."""
    started = time.perf_counter()
    counts = generate(out, orgs=orgs, seed=seed)
    table = Table(title=f"Synthetic registry in {out} (seed {seed})")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, rows in counts.items():
        table.add_row(name, str(rows))
    console = Console()
    console.print(table)
    console.print(f"written in {time.perf_counter() - started:.1f} s")


def register(app: typer.Typer) -> None:
    """Add this module's command to the ``graph-service`` app."""
    app.command("synth")(synth_command)
