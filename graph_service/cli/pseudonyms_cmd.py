"""``graph-service reindex-pseudonyms``: recompute the pseudonyms of every stored person.

Persons are indexed under the federation's keys when they are written (docs/federation.md,
"Pseudonymous persons"). Run this after adding a federation key (rotation) or after a Neo4j bulk import,
which writes persons without the index. Prints ``{"persons": n, "keys": [...]}``. Exit codes: 0 done;
2 no federation key is configured; 3 the store refused.
"""

from __future__ import annotations

import json

import typer

from graph_service.bootstrap import bootstrap
from graph_service.config import get_settings
from graph_service.errors import GraphServiceError


def reindex_pseudonyms() -> None:
    """Index the pseudonyms of every stored person under every configured federation key."""
    settings = get_settings()
    if not settings.federation_keys:
        typer.echo("no federation key is configured (GRAPH_SERVICE_FEDERATION_KEYS)", err=True)
        raise typer.Exit(2)
    try:
        runtime = bootstrap(settings)
    except GraphServiceError as exc:
        typer.echo(f"cannot open the store: {exc.detail}", err=True)
        raise typer.Exit(3) from exc
    try:
        persons = runtime.store.reindex_pseudonyms()
    except GraphServiceError as exc:
        typer.echo(f"the store refused: {exc.detail}", err=True)
        raise typer.Exit(3) from exc
    finally:
        runtime.close()
    typer.echo(json.dumps({"persons": persons, "keys": sorted(settings.federation_keys)}))


def register(app: typer.Typer) -> None:
    """Add ``reindex-pseudonyms`` to the ``graph-service`` command."""
    app.command("reindex-pseudonyms")(reindex_pseudonyms)
