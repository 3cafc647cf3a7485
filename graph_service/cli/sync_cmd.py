"""``graph-service sync --peer NAME``: pull a peer's change feed into this store.

Prints one JSON line per applied page (events, applied, skipped by reason, position, caught_up) and
one summary line. Exit codes: 0 caught up; 1 the peer stayed unavailable after the retries; 2 the peer
refused us, or sent an answer that failed verification or is not a valid page (nothing of it was
applied); 3 the store refused (another sync of this peer ran at the same time, or the store is
unavailable).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, NoReturn

import typer

from graph_service.bootstrap import bootstrap
from graph_service.config import get_settings
from graph_service.errors import GraphServiceError, InvalidInput
from graph_service.federation.apply import PageOutcome
from graph_service.federation.client import FeedClient, PeerRefused, PeerUnavailable
from graph_service.federation.serve import decode_cursor
from graph_service.federation.signing import SignatureError
from graph_service.federation.sync import Backoff, SyncReport, follow, pull
from graph_service.logging import configure_logging


def sync(
    peer: Annotated[str, typer.Option("--peer", help="Name of the peer in GRAPH_SERVICE_PEERS")],
    keep_following: Annotated[
        bool, typer.Option("--follow", help="Keep pulling every --interval seconds (until stopped)")
    ] = False,
    interval: Annotated[float, typer.Option("--interval", min=0.1, help="Seconds between pulls")] = 30.0,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="Events per page")] = 200,
    retries: Annotated[
        int, typer.Option("--retries", min=0, help="Retries of a page while the peer is down")
    ] = 5,
    pause: Annotated[float, typer.Option("--pause", min=0, help="Seconds between pages")] = 0.0,
    from_start: Annotated[
        bool, typer.Option("--from-start", help="Read the feed from its beginning (duplicates are skipped)")
    ] = False,
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info, warning or error")] = "warning",
) -> None:
    """Pull a peer's feed until caught up, applying each page with its cursor in one transaction."""
    configure_logging(log_level)
    settings = get_settings()
    config = settings.peers.get(peer)
    if config is None:
        known = ", ".join(sorted(settings.peers)) or "none configured"
        raise typer.BadParameter(
            f"unknown peer {peer!r} (GRAPH_SERVICE_PEERS has: {known})", param_hint="--peer"
        )
    backoff = Backoff(initial_s=1.0, cap_s=max(interval, 1.0) if keep_following else 60.0)
    try:
        runtime = bootstrap(settings)
        store = runtime.store
    except GraphServiceError as exc:
        _fail(3, f"cannot open the store: {exc.detail}")
    try:

        def run_once(start_over: bool = False) -> SyncReport:
            client = FeedClient(peer, config, window_s=settings.feed_replay_window_s)
            try:
                report = pull(
                    store,
                    client,
                    home_region=settings.region,
                    limit=limit,
                    retries=retries,
                    backoff=backoff,
                    from_start=start_over,
                    pause_s=pause,
                    on_page=_print_page,
                )
            finally:
                client.close()
            _print({"peer": peer, "summary": True, **_report(report)})
            return report

        if keep_following:
            first = [from_start]

            def next_run() -> SyncReport:
                start_over, first[0] = first[0], False
                return run_once(start_over)

            follow(next_run, interval_s=interval, backoff=backoff)
            return
        run_once(from_start)
    except PeerUnavailable as exc:
        _fail(1, f"peer {peer!r} unavailable after {retries} retries: {exc}")
    except (PeerRefused, SignatureError) as exc:
        _fail(2, f"peer {peer!r}: {exc}; nothing of that answer was applied")
    except InvalidInput as exc:
        _fail(
            2, f"peer {peer!r} sent a page that is not a valid feed page: {exc.detail}; nothing was applied"
        )
    except GraphServiceError as exc:
        _fail(3, f"the store refused: {exc.detail}")
    finally:
        runtime.close()


def _print_page(outcome: PageOutcome) -> None:
    _print(
        {
            "events": outcome.events,
            "applied": len(outcome.applied),
            "skipped": dict(outcome.skipped),
            "position": decode_cursor(outcome.cursor, field="next")[1],
            "caught_up": outcome.caught_up,
        }
    )


def _report(report: SyncReport) -> dict[str, Any]:
    return {
        "pages": report.pages,
        "events": report.events,
        "applied": report.applied,
        "skipped": dict(report.skipped),
        "caught_up": report.caught_up,
    }


def _print(line: dict[str, Any]) -> None:
    typer.echo(json.dumps(line, ensure_ascii=False), nl=True)


def _fail(code: int, message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``graph-service`` app."""
    app.command("sync")(sync)
