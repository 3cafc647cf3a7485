"""Pushing the feed to every configured target from the API process (``GRAPH_SERVICE_PUSH_TARGETS``).

One daemon thread per target runs :func:`~graph_service.federation.push.push` every ``interval_s``: it
sends what the target has not acknowledged, page by page, retrying each page with backoff while the
target is down. After a dead letter (recorded in the audit log) the thread pauses ``dead_pause_s`` and
then starts again at the same page, so a hub that was down for a day receives everything, in order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from graph_service.audit import AuditLog
from graph_service.config import PushTarget, Settings
from graph_service.federation.push import DeadLetter, PushClient, dead_letter_event, push
from graph_service.federation.sync import Backoff
from graph_service.federation.threads import ThreadPerName
from graph_service.store.base import GraphStore

log = logging.getLogger(__name__)

PushClientFactory = Callable[[str, PushTarget], PushClient]


class FeedPushers(ThreadPerName):
    """One daemon thread per push target; :meth:`stop` ends them promptly."""

    def __init__(
        self,
        store: GraphStore,
        targets: dict[str, PushTarget],
        *,
        region: str,
        audit: AuditLog,
        interval_s: float,
        retries: int,
        dead_pause_s: float,
        client_factory: PushClientFactory,
    ) -> None:
        super().__init__(targets, prefix="push")
        self._store = store
        self._targets = targets
        self._region = region
        self._audit = audit
        self._interval_s = interval_s
        self._retries = retries
        self._dead_pause_s = dead_pause_s
        self._client_factory = client_factory

    def _record(self, dead: DeadLetter) -> None:
        self._audit.record(dead_letter_event(dead, actor="push-worker"))

    def _run(self, name: str) -> None:
        backoff = Backoff(initial_s=1.0, cap_s=max(self._interval_s, 1.0))
        while not self._stop.is_set():
            wait = self._interval_s
            client = self._client_factory(name, self._targets[name])
            try:
                report = push(
                    self._store,
                    client,
                    region=self._region,
                    retries=self._retries,
                    backoff=backoff,
                    sleep=self._sleep,
                    on_dead=self._record,
                )
                if report.dead is not None:
                    wait = self._dead_pause_s
                elif report.pages:
                    log.info(
                        "push %s: %d events, acknowledged up to %d", name, report.events, report.position
                    )
            except Exception:  # keep pushing: a run fails for target, network or store reasons alike
                log.exception("push %s failed; next attempt in %.1f s", name, self._interval_s)
            finally:
                client.close()
            self._stop.wait(wait)


def pushers_for(settings: Settings, store: GraphStore, audit: AuditLog) -> FeedPushers | None:
    """The pushers ``settings.push_targets`` asks for, or None when there is none."""
    if not settings.push_targets:
        return None
    window = settings.feed_replay_window_s

    def client(name: str, target: PushTarget) -> PushClient:
        return PushClient(name, target, window_s=window)

    return FeedPushers(
        store,
        dict(settings.push_targets),
        region=settings.region,
        audit=audit,
        interval_s=settings.push_interval_s,
        retries=settings.push_retries,
        dead_pause_s=settings.push_dead_letter_pause_s,
        client_factory=client,
    )
