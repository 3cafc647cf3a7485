"""Checks both backends make on the webhook outbox and entry pages, so they refuse the same requests alike.

Kept beside :mod:`graph_service.store.base` (not in it) so the outbox's rules stay in one small module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from graph_service.domain.webhooks import Delivery
from graph_service.errors import Conflict, InvalidInput, NotFound


def require_new_deliveries(stored: Mapping[str, Delivery], deliveries: Sequence[Delivery]) -> None:
    """Deliveries written with a workflow step are new records at version 1."""
    for delivery in deliveries:
        if delivery.version != 1 or delivery.delivery_id in stored:
            raise Conflict(
                f"delivery {delivery.delivery_id!r} already exists or is not version 1 "
                f"(got version {delivery.version}): the task change was pushed already"
            )


def require_next_delivery_version(stored: Delivery | None, delivery: Delivery) -> None:
    """``NotFound`` if not stored; ``Conflict`` unless ``delivery`` is the stored version + 1."""
    if stored is None:
        raise NotFound(f"delivery {delivery.delivery_id!r} is not stored")
    if delivery.version != stored.version + 1:
        raise Conflict(
            f"delivery {delivery.delivery_id!r} is at version {stored.version}; the new version must be "
            f"{stored.version + 1}, got {delivery.version}: another sender took it meanwhile"
        )


def require_limit(limit: int) -> None:
    if limit < 0:
        raise InvalidInput.for_field("limit", limit, "must be zero or more")
