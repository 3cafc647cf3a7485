"""Reads of the embedded store for the workflow's listings: entry pages and the webhook outbox."""

from __future__ import annotations

from graph_service.domain.model import EntryFilter, ListEntry
from graph_service.domain.webhooks import Delivery, DeliveryStatus
from graph_service.store.contract import entry_matches
from graph_service.store.memory.graph import GraphState


def list_entries(
    state: GraphState, flt: EntryFilter | None, after: str | None, limit: int
) -> list[ListEntry]:
    """One page of entries by ``entry_id`` (see :meth:`WorkflowPort.list_entries`).

    Sorts every id on each call: O(n log n) in the entries held, which the embedded store's sizes allow.
    """
    page: list[ListEntry] = []
    for entry_id in sorted(state.entries):
        if len(page) >= limit:
            break
        if after is not None and entry_id <= after:
            continue
        entry = state.entries[entry_id]
        if flt is None or entry_matches(entry, flt):
            page.append(entry)
    return page


def deliveries(
    state: GraphState, statuses: frozenset[DeliveryStatus] | None, delivery_id: str | None
) -> list[Delivery]:
    found = [
        d
        for d in state.deliveries.values()
        if (statuses is None or d.status in statuses)
        and (delivery_id is None or d.delivery_id == delivery_id)
    ]
    return sorted(found, key=lambda d: d.delivery_id)
