"""Sending the webhook outbox: sign, POST, retry with backoff, and give up into the dead-letter list.

A delivery is first *leased* (its next version, due again only after the lease) so two senders — the API's
worker thread and a ``graph-service workflow deliver`` run — never post the same attempt twice; a sender
that dies mid-way leaves a lease that simply runs out. Delivery is at least once: a receiver that answers
too late may see a delivery again and should de-duplicate on the delivery header. Order is oldest first
and a task's versions in turn, but a retried push can arrive after a newer one: a receiver keeps, per
task, the highest ``task.version`` it has seen and ignores older ones.

The payload is the task masked as for an implementing department (ID numbers ``430923********1011``): a
webhook reaches exactly who ``GET /v1/tasks`` would answer, and no more.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from graph_service.domain.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Delivery,
    DeliveryStatus,
    claimed,
    failed,
    requeued,
    signature,
    succeeded,
)
from graph_service.errors import Conflict, NotFound
from graph_service.services.masking import mask_payload
from graph_service.store.base import GraphStore


@dataclass(frozen=True)
class Target:
    """A department's webhook: where to POST and the shared secret that signs the body."""

    url: str
    secret: str


@dataclass(frozen=True)
class DeliveryPolicy:
    """Retries (Settings ``webhook_*``): ``max_attempts`` failures make a dead letter."""

    max_attempts: int = 12
    backoff_s: float = 60.0
    backoff_cap_s: float = 21600.0
    timeout_s: float = 10.0
    batch: int = 100  # deliveries sent per run at most, oldest due first


@dataclass
class DeliveryRun:
    """What one run did: delivered, failed (to be retried), dead (given up), skipped (taken by another)."""

    delivered: int = 0
    failed: int = 0
    dead: int = 0
    skipped: int = 0


def body_of(delivery: Delivery) -> bytes:
    """The exact bytes posted (and signed): the event, ids and the masked task, as compact UTF-8 JSON."""
    payload = {
        "event": delivery.event.value,
        "delivery_id": delivery.delivery_id,
        "created_at": delivery.created_at.isoformat(),
        "task": mask_payload(delivery.task.model_dump(mode="json")),
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def deliver_due(
    store: GraphStore,
    targets: Mapping[str, Target],
    *,
    clock: Callable[[], dt.datetime],
    client: httpx.Client,
    policy: DeliveryPolicy,
) -> DeliveryRun:
    """Send every pending delivery that is due (at most ``policy.batch``), oldest first."""
    run = DeliveryRun()
    start = clock()
    pending = store.get_deliveries(statuses=frozenset({DeliveryStatus.PENDING}))
    # Oldest first, and a task's versions in order; a retried one can still overtake (see module doc).
    due = sorted(
        (d for d in pending if d.next_attempt_at <= start),
        key=lambda d: (d.next_attempt_at, d.created_at, d.task.version, d.delivery_id),
    )
    for delivery in due[: policy.batch]:
        now = clock()
        lease = claimed(delivery, now + dt.timedelta(seconds=2 * policy.timeout_s + 30))
        try:
            store.save_delivery(lease)
        except (Conflict, NotFound):
            run.skipped += 1  # another sender has it
            continue
        target = targets.get(delivery.department)
        error = (
            _post(client, target, lease, clock(), policy.timeout_s)
            if target is not None
            else f"no webhook is configured for department {delivery.department!r}"
        )
        if error is None:
            result = succeeded(lease, clock())
            run.delivered += 1
        else:
            # No webhook any more (removed from the settings): retrying cannot help, dead at once.
            result = failed(
                lease,
                clock(),
                error,
                max_attempts=1 if target is None else policy.max_attempts,
                base_s=policy.backoff_s,
                cap_s=policy.backoff_cap_s,
            )
            if result.status is DeliveryStatus.DEAD:
                run.dead += 1
            else:
                run.failed += 1
        store.save_delivery(result)
    return run


def dead_letters(store: GraphStore) -> list[Delivery]:
    """Deliveries given up on, for an admin to look at (and requeue once the receiver is fixed)."""
    return store.get_deliveries(statuses=frozenset({DeliveryStatus.DEAD}))


def requeue(store: GraphStore, delivery_id: str, now: dt.datetime) -> Delivery:
    """Send a dead letter again from its first attempt; ``Conflict`` unless it is dead."""
    found = store.get_deliveries(delivery_id=delivery_id)
    if not found:
        raise NotFound(f"delivery {delivery_id!r} is not stored")
    if found[0].status is not DeliveryStatus.DEAD:
        raise Conflict(f"delivery {delivery_id!r} is {found[0].status.value}: only a dead letter is requeued")
    again = requeued(found[0], now)
    store.save_delivery(again)
    return again


def _post(
    client: httpx.Client, target: Target, delivery: Delivery, now: dt.datetime, timeout_s: float
) -> str | None:
    """POST one delivery; None on a 2xx answer, else what went wrong (kept as ``last_error``)."""
    body = body_of(delivery)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        SIGNATURE_HEADER: "sha256=" + signature(target.secret, timestamp, body),
        TIMESTAMP_HEADER: str(timestamp),
        EVENT_HEADER: delivery.event.value,
        DELIVERY_HEADER: delivery.delivery_id,
    }
    try:
        response = client.post(target.url, content=body, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code} from {target.url}"
