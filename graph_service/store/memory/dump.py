"""The public dump of the embedded store (:class:`~graph_service.store.dump.Dumpable`), mixed into
:class:`~graph_service.store.memory.store.MemoryStore`: its content as domain records, not journal ops."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from graph_service.store.dump import FeedStartsAfter, PeerCursor, PersonMerge, PushPosition, StoredRecord
from graph_service.store.memory.feed_state import AppendFeed, FeedFloor, PutCursor, PutPushPosition
from graph_service.store.memory.graph import GraphState
from graph_service.store.memory.ops import (
    AddStatus,
    Op,
    PutDelivery,
    PutDispute,
    PutEntry,
    PutLink,
    PutPenalty,
    PutRelation,
    PutRepair,
    PutSubject,
    PutTask,
    RecordMerge,
)


class MemoryDump:
    """The dump method of the embedded store (mixed in)."""

    if TYPE_CHECKING:
        _lock: threading.RLock

        def _readable(self) -> GraphState: ...

    def dump(self) -> Iterator[StoredRecord]:
        """Every stored record in dependency order (what a snapshot holds); writers wait until it ends."""
        with self._lock:
            for op in self._readable().dump():
                yield _record(op)


def _record(op: Op) -> StoredRecord:
    match op:
        case PutSubject(subject=subject):
            return subject
        case PutRelation(relation=relation):
            return relation
        case PutEntry(entry=entry):
            return entry
        case AddStatus(change=change):
            return change
        case PutPenalty(penalty=penalty):
            return penalty
        case PutLink(link=link):
            return link
        case RecordMerge(from_key=from_key, into_key=into_key, at=at):
            return PersonMerge(from_key, into_key, at)
        case PutTask(task=task):
            return task
        case PutDispute(dispute=dispute):
            return dispute
        case PutRepair(repair=repair):
            return repair
        case PutDelivery(delivery=delivery):
            return delivery
        case AppendFeed(event=event):
            return event
        case PutCursor(peer=peer, cursor=cursor):
            return PeerCursor(peer, cursor)
        case FeedFloor(seq=seq):
            return FeedStartsAfter(seq)
        case PutPushPosition(target=target, seq=seq):
            return PushPosition(target, seq)
    raise AssertionError(f"a state dump never holds {type(op).__name__}")  # drops are never dumped
