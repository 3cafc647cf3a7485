"""Recording the change feed in the Neo4j backend's write paths.

:func:`recorded` wraps the entry upsert of each write path (bulk upsert, workflow transition, person
merge): it reads the entries before, runs the write, and appends one event per entry the write changed,
inside that write's transaction. Kept apart from :mod:`.feed` so the write modules can import it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from neo4j import ManagedTransaction

from cypher import query
from graph_service.domain.feed import PendingEvent, pending_events
from graph_service.domain.model import ListEntry, StatusChange
from graph_service.store.neo4j import reads
from graph_service.store.neo4j.batches import chunks

R = TypeVar("R")


def recorded(
    tx: ManagedTransaction,
    rows: Sequence[ListEntry],
    write: Callable[[], R],
    *,
    now: dt.datetime | None,
    changes: Mapping[str, StatusChange] | None = None,
) -> R:
    """Run ``write`` (the upsert of ``rows``) and append a feed event per entry it changed.

    A created entry's event carries its first status change (as the upsert writes it); ``changes`` are
    the status changes the caller writes with the entries. ``now`` None stamps with the current time.
    """
    at = now if now is not None else dt.datetime.now(dt.UTC)
    ids = list(dict.fromkeys(row.entry_id for row in rows))
    before = reads.entries_by_id(tx, ids)
    result = write()
    first: dict[str, ListEntry] = {}
    last: dict[str, ListEntry] = {}
    for row in rows:
        first.setdefault(row.entry_id, row)
        last[row.entry_id] = row
    written = dict(changes or {})
    for entry_id, entry in first.items():
        if entry_id not in before and entry_id not in written:
            written[entry_id] = StatusChange(
                entry_id=entry_id,
                from_status=None,
                to_status=entry.status,
                at=at,
                actor=entry.initiating_dept,
            )
    append(tx, pending_events(before, last, written, at))
    return result


def append(tx: ManagedTransaction, events: Sequence[PendingEvent]) -> None:
    """Append events at the next sequence numbers, in order."""
    rows = [
        {
            "entry_id": event.entry.entry_id,
            "version": event.entry.version,
            "origin_seq": event.origin_seq,
            "doc": event.model_dump_json(exclude={"origin_seq"}),
        }
        for event in events
    ]
    for chunk in chunks(rows):
        tx.run(query("append_feed_events"), events=list(chunk)).consume()
