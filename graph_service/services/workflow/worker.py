"""The API's workflow worker: a background thread that sends due webhook deliveries and, once a day,
stores expiry (lifts the tasks of entries past ``valid_until``, pushing the lifts).

It exists because the embedded store admits one writer: while the API runs, ``graph-service workflow
deliver`` and ``expire`` cannot open its data directory, so the API process does the work itself. With
Neo4j either (or both) may run; leases keep them from sending the same attempt twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping

import httpx

from graph_service.errors import GraphServiceError
from graph_service.services.workflow.delivery import DeliveryPolicy, DeliveryRun, Target, deliver_due
from graph_service.services.workflow.state import Policy
from graph_service.services.workflow.tasks import ExpiryRun, expire
from graph_service.store.base import GraphStore

log = logging.getLogger("graph_service.workflow")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class WorkflowWorker:
    """Runs :meth:`tick` every ``interval_s`` seconds on a daemon thread until :meth:`stop`."""

    def __init__(
        self,
        store: GraphStore,
        targets: Mapping[str, Target],
        policy: DeliveryPolicy,
        *,
        interval_s: float,
        clock: Callable[[], dt.datetime] = utc_now,
        workflow_policy: Policy | None = None,
    ) -> None:
        self._store = store
        self._workflow_policy = workflow_policy
        self._targets = dict(targets)
        self._policy = policy
        self._interval_s = interval_s
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._expired_on: dt.date | None = None
        self._client = httpx.Client(follow_redirects=False)

    def tick(self) -> tuple[ExpiryRun | None, DeliveryRun]:
        """One round: expiry if not yet run today, then the due deliveries."""
        now = self._clock()
        expiry: ExpiryRun | None = None
        if self._expired_on != now.date():
            expiry = expire(
                self._store,
                now.date(),
                push_to=frozenset(self._targets),
                now=now,
                policy=self._workflow_policy,
            )
            self._expired_on = now.date()
        run = deliver_due(
            self._store, self._targets, clock=self._clock, client=self._client, policy=self._policy
        )
        return expiry, run

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="workflow-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Ask the thread to stop, wait for the round in progress, and close the HTTP client."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        self._client.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                expiry, run = self.tick()
            except GraphServiceError as exc:  # the store is down: say so, try again next tick
                log.warning("workflow worker round failed: %s", exc.detail)
            except Exception:  # a bug must not end pushes for the life of the process
                log.exception("workflow worker round failed")
            else:
                if expiry is not None and expiry.tasks:
                    log.info("expiry lifted %d tasks of %d entries", expiry.tasks, expiry.entries)
                if run.delivered or run.failed or run.dead:
                    log.info(
                        "webhooks: %d delivered, %d to retry, %d dead", run.delivered, run.failed, run.dead
                    )
            self._stop.wait(self._interval_s)
