"""Following peers' feeds inside the API process (``GRAPH_SERVICE_SYNC_PEERS``).

The embedded store has one writer per data dir: the API holds it, so a separate ``graph-service sync``
cannot run beside it. Listing peers in ``GRAPH_SERVICE_SYNC_PEERS`` makes the API follow them itself, one
thread per peer, exactly as ``graph-service sync --peer NAME --follow`` would (same engine, same store
transaction per page). With Neo4j either way works; the separate process is easier to operate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from graph_service.config import PeerConfig, Settings
from graph_service.federation.client import FeedClient
from graph_service.federation.sync import Backoff, SyncReport, follow, pull
from graph_service.federation.threads import ThreadPerName
from graph_service.store.base import GraphStore

log = logging.getLogger(__name__)

ClientFactory = Callable[[str, PeerConfig], FeedClient]


class PeerFollowers(ThreadPerName):
    """One daemon thread per peer, pulling every ``interval_s``; :meth:`stop` ends them promptly."""

    def __init__(
        self,
        store: GraphStore,
        peers: dict[str, PeerConfig],
        *,
        home_region: str,
        interval_s: float,
        client_factory: ClientFactory,
    ) -> None:
        super().__init__(peers, prefix="sync")
        self._store = store
        self._peers = peers
        self._home = home_region
        self._interval_s = interval_s
        self._client_factory = client_factory

    def _run(self, name: str) -> None:
        backoff = Backoff(initial_s=1.0, cap_s=max(self._interval_s, 1.0))

        def run_once() -> SyncReport:
            client = self._client_factory(name, self._peers[name])
            try:
                report = pull(
                    self._store, client, home_region=self._home, backoff=backoff, retries=0, sleep=self._sleep
                )
            finally:
                client.close()
            if report.applied:
                log.info("sync %s: %d events, %d applied", name, report.events, report.applied)
            return report

        follow(
            run_once, interval_s=self._interval_s, backoff=backoff, stop=self._stop.is_set, sleep=self._sleep
        )


def followers_for(settings: Settings, store: GraphStore) -> PeerFollowers | None:
    """The followers ``settings.sync_peers`` asks for, or None when it names none."""
    if not settings.sync_peers:
        return None
    window = settings.feed_replay_window_s

    def client(name: str, peer: PeerConfig) -> FeedClient:
        return FeedClient(name, peer, window_s=window)

    return PeerFollowers(
        store,
        {name: settings.peers[name] for name in settings.sync_peers},
        home_region=settings.region,
        interval_s=settings.sync_interval_s,
        client_factory=client,
    )
