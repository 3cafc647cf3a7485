"""``graph-service export --format ftm --out FILE``: the whole store as FollowTheMoney entities."""

from __future__ import annotations

import datetime as dt
import getpass
import uuid
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from graph_service.audit.model import AuditEvent
from graph_service.bootstrap import open_runtime
from graph_service.config import get_settings
from graph_service.errors import GraphServiceError
from graph_service.services.explore import ftm


class StoreExportFormat(StrEnum):
    FTM = "ftm"


def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write (JSON lines, one entity a line)")],
    fmt: Annotated[
        StoreExportFormat, typer.Option("--format", help="ftm: FollowTheMoney entities")
    ] = StoreExportFormat.FTM,
) -> None:
    """Write every subject, relation and list entry as FtM entities (Aleph, OpenSanctions tooling).

    The file holds full ID numbers: it is an investigator's export. The export is audited
    (``graph.export``) with the number of entities written.
    """
    settings = get_settings()
    partial = out.with_name(out.name + ".partial")
    counts: dict[str, int] = {}
    try:
        # Not read-only: the export is a disclosure and must be audited (the embedded store's writer lock
        # is taken, so with that store it runs while the API is stopped).
        with open_runtime(settings) as runtime:
            version = runtime.store.data_version()
            with partial.open("w", encoding="utf-8") as handle:
                for entity in ftm.store_entities(runtime.store):
                    counts[entity.schema.name] = counts.get(entity.schema.name, 0) + 1
                    handle.write(ftm.json_line(entity) + "\n")
            partial.replace(out)
            runtime.audit.record(
                AuditEvent(
                    at=dt.datetime.now(dt.UTC),
                    request_id=uuid.uuid4().hex,
                    client=f"cli:{getpass.getuser()}",
                    role="admin",
                    action="graph.export",
                    data_version=version,
                    detail={"format": fmt.value, "out": str(out), "entities": counts},
                )
            )
    except GraphServiceError as exc:
        partial.unlink(missing_ok=True)
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    total = sum(counts.values())
    summary = ", ".join(f"{n} {schema}" for schema, n in sorted(counts.items()))
    typer.echo(f"wrote {total} entities to {out}" + (f": {summary}" if summary else ""))


def register(app: typer.Typer) -> None:
    """Add ``export`` to the ``graph-service`` command."""
    app.command("export")(export)
