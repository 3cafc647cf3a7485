"""The sync engine: pull a peer's feed until caught up, page by page, resuming from the stored cursor.

Each page is applied together with the peer's new cursor in one store transaction
(:func:`~graph_service.federation.apply.apply_page`), so a sync killed at any moment resumes exactly
after the last page it committed: a page is applied entirely or not at all, and applying one again is a
no-op (events are deduplicated by source region, entry id and revision).
"""

from __future__ import annotations

import functools
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from graph_service.federation.apply import PageOutcome, apply_page
from graph_service.federation.client import FeedClient, PeerUnavailable
from graph_service.store.base import GraphStore

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """Waits between attempts: ``initial_s``, doubled each time, at most ``cap_s``."""

    initial_s: float = 1.0
    cap_s: float = 60.0

    def delays(self) -> Iterator[float]:
        delay = self.initial_s
        while True:
            yield delay
            delay = min(delay * 2, self.cap_s)


@dataclass
class SyncReport:
    """What one pull did, summed over its pages."""

    pages: int = 0
    events: int = 0
    applied: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    caught_up: bool = False

    def add(self, outcome: PageOutcome) -> None:
        self.pages += 1
        self.events += outcome.events
        self.applied += len(outcome.applied)
        self.skipped.update(outcome.skipped)
        self.caught_up = outcome.caught_up


def with_retries(
    call: Callable[[], T],
    *,
    retries: int,
    backoff: Backoff,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``call()``, tried again after each :class:`PeerUnavailable` up to ``retries`` more times."""
    delays = backoff.delays()
    for attempt in range(retries + 1):
        try:
            return call()
        except PeerUnavailable as exc:
            if attempt == retries:
                raise
            delay = next(delays)
            log.warning(
                "peer unavailable (%s); attempt %d of %d in %.1f s", exc, attempt + 2, retries + 1, delay
            )
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def pull(
    store: GraphStore,
    client: FeedClient,
    *,
    home_region: str,
    limit: int = 200,
    retries: int = 5,
    backoff: Backoff = Backoff(),
    from_start: bool = False,
    pause_s: float = 0.0,
    on_page: Callable[[PageOutcome], None] = lambda _: None,
    sleep: Callable[[float], None] = time.sleep,
) -> SyncReport:
    """Pull ``client``'s peer until a page says it is caught up; returns the summed report.

    ``from_start`` reads the feed from its beginning (after a peer cleared us for full ID numbers, say);
    what is here already is recognised as duplicate. ``pause_s`` waits between pages, to spare the peer.
    """
    stored = store.peer_cursor(client.name)
    after = None if from_start else stored
    report = SyncReport()
    while True:
        fetch = functools.partial(client.fetch, after, limit)
        page = with_retries(fetch, retries=retries, backoff=backoff, sleep=sleep)
        outcome = apply_page(
            store,
            page.body,
            peer=client.name,
            home_region=home_region,
            expected_cursor=stored,
            speaks_for=client.speaks_for,
        )
        report.add(outcome)
        on_page(outcome)
        after = stored = page.next
        if page.caught_up:
            return report
        if pause_s:
            sleep(pause_s)


def follow(
    run_once: Callable[[], SyncReport],
    *,
    interval_s: float,
    backoff: Backoff,
    stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Pull again and again: every ``interval_s`` while it works, backing off (capped) while it fails.

    Any error of a run is logged and retried; a continuous sync outlives peer outages and restarts.
    """
    delays: Iterator[float] | None = None
    while not stop():
        try:
            run_once()
        except Exception:  # keep following: a run fails for peer, network or store reasons alike
            delays = delays or backoff.delays()
            wait = min(next(delays), max(interval_s, backoff.initial_s))
            log.exception("sync run failed; next attempt in %.1f s", wait)
        else:
            delays = None
            wait = interval_s
        if not stop():
            sleep(wait)
