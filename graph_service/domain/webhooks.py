"""Webhook push of implementation tasks (推送 — the push half): events, the outbox record, signing, retries.

Pure. A task change that a department must hear about (created, suspended, restored, lifted) becomes a
:class:`Delivery` written in the same transaction as the change (a transactional outbox), so a push is never
lost and never blocks or fails the transition: a worker sends it later, signed, and retries it with
exponential backoff until it is delivered or, after ``max_attempts`` failures, dead (a dead letter).

"实现发起响应、信息推送、执行反馈…等动态协同功能" (湖南省实施意见; 本溪市实施方案 (十五)).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from graph_service.domain.lifecycle import TaskStatus
from graph_service.domain.workflow import Task

#: The signature header carries ``sha256=<hex>`` over ``<timestamp>.<body>``; the timestamp header the
#: Unix seconds used. A receiver recomputes the HMAC and refuses stale timestamps (replays).
SIGNATURE_HEADER = "X-Graph-Service-Signature"
TIMESTAMP_HEADER = "X-Graph-Service-Timestamp"
EVENT_HEADER = "X-Graph-Service-Event"
DELIVERY_HEADER = "X-Graph-Service-Delivery"


class TaskEvent(StrEnum):
    """What happened to a task, as the department is told."""

    CREATED = "task.created"
    SUSPENDED = "task.suspended"  # its entry is disputed: do not apply the measure for now
    RESTORED = "task.restored"  # the dispute ended and the entry stands
    LIFTED = "task.lifted"  # repaired, revoked, expired, or no longer reached after a correction


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"  # gave up: on the dead-letter list for an admin


class Delivery(BaseModel):
    """One push of one task version to its department's webhook, with its attempts so far."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    delivery_id: str
    event: TaskEvent
    department: str
    entry_id: str
    task: Task = Field(description="The task as it was after the change (the payload)")
    created_at: dt.datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = Field(default=0, ge=0)
    next_attempt_at: dt.datetime = Field(description="Not sent before this instant (backoff or lease)")
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: dt.datetime | None = None
    version: int = Field(default=1, ge=1)


def event_for(before: Task | None, after: Task) -> TaskEvent | None:
    """The event a task change is pushed as, or None when the department need not hear (its feedback)."""
    if before is None:
        return TaskEvent.CREATED
    if after.status is before.status:
        return None
    if after.status is TaskStatus.SUSPENDED:
        return TaskEvent.SUSPENDED
    if after.status is TaskStatus.LIFTED:
        return TaskEvent.LIFTED
    if before.status is TaskStatus.SUSPENDED:
        return TaskEvent.RESTORED
    return None


def delivery_id_for(task: Task) -> str:
    """One delivery per task version: re-planning the same step cannot push it twice."""
    return hashlib.sha256(f"{task.task_id}\x1f{task.version}".encode()).hexdigest()[:32]


def new_delivery(before: Task | None, after: Task, now: dt.datetime) -> Delivery | None:
    """The outbox record for a task change, or None if the change is not pushed."""
    event = event_for(before, after)
    if event is None:
        return None
    return Delivery(
        delivery_id=delivery_id_for(after),
        event=event,
        department=after.department,
        entry_id=after.entry_id,
        task=after,
        created_at=now,
        next_attempt_at=now,
    )


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``<timestamp>.<body>`` under ``secret``: what a receiver recomputes."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def backoff(attempts: int, base_s: float, cap_s: float) -> dt.timedelta:
    """Wait after the ``attempts``-th failure: ``base_s`` doubled per failure, at most ``cap_s``."""
    return dt.timedelta(seconds=min(cap_s, base_s * 2 ** max(0, attempts - 1)))


def claimed(delivery: Delivery, until: dt.datetime) -> Delivery:
    """The delivery leased to one sender until ``until`` (a crashed sender's lease simply runs out)."""
    return delivery.model_copy(update={"next_attempt_at": until, "version": delivery.version + 1})


def succeeded(delivery: Delivery, now: dt.datetime) -> Delivery:
    return delivery.model_copy(
        update={
            "status": DeliveryStatus.DELIVERED,
            "attempts": delivery.attempts + 1,
            "delivered_at": now,
            "last_error": None,
            "version": delivery.version + 1,
        }
    )


def failed(
    delivery: Delivery, now: dt.datetime, error: str, *, max_attempts: int, base_s: float, cap_s: float
) -> Delivery:
    """After a failed attempt: retried after :func:`backoff`, or dead once ``max_attempts`` have failed."""
    attempts = delivery.attempts + 1
    dead = attempts >= max_attempts
    return delivery.model_copy(
        update={
            "status": DeliveryStatus.DEAD if dead else DeliveryStatus.PENDING,
            "attempts": attempts,
            "next_attempt_at": now if dead else now + backoff(attempts, base_s, cap_s),
            "last_error": error[:500],
            "version": delivery.version + 1,
        }
    )


def requeued(delivery: Delivery, now: dt.datetime) -> Delivery:
    """A dead letter sent again from scratch (an admin fixed the receiver)."""
    return delivery.model_copy(
        update={
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "version": delivery.version + 1,
        }
    )
