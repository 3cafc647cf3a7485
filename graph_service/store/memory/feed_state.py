"""The change feed inside the embedded store: its operations, their JSON form, and the in-memory log.

Feed operations ride in the same journal records as the writes they describe, so replaying the journal
rebuilds the feed exactly, and a torn record loses the change and its event together.

================  =========================================================================================
``op``            fields
================  =========================================================================================
``feed``          ``row``: ``FeedEvent`` — append at ``row.seq`` (the next number)
``peer_cursor``   ``peer``, ``cursor`` — the cursor of a peer's feed, stored with the page it applied
``feed_floor``    ``seq`` — the feed continues after ``seq`` (kept by ``clear()`` and snapshots)
``push_position`` ``target``, ``seq`` — how far push target ``target`` acknowledged this feed
================  =========================================================================================
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graph_service.domain.feed import FeedEvent, Revision
from graph_service.domain.model import STORED, ListEntry, StatusChange
from graph_service.store.memory.compact import ModelPacker, Shared


@dataclass(frozen=True, slots=True)
class AppendFeed:
    event: FeedEvent


@dataclass(frozen=True, slots=True)
class PutCursor:
    peer: str
    cursor: str


@dataclass(frozen=True, slots=True)
class FeedFloor:
    seq: int


@dataclass(frozen=True, slots=True)
class PutPushPosition:
    target: str
    seq: int


FeedOp = AppendFeed | PutCursor | FeedFloor | PutPushPosition
FEED_TAGS = frozenset({"feed", "peer_cursor", "feed_floor", "push_position"})


def encode_feed(op: FeedOp) -> dict[str, Any]:
    """The JSON-ready form of a feed operation."""
    match op:
        case AppendFeed(event=event):
            return {"op": "feed", "row": event.model_dump(mode="json")}
        case PutCursor(peer=peer, cursor=cursor):
            return {"op": "peer_cursor", "peer": peer, "cursor": cursor}
        case FeedFloor(seq=seq):
            return {"op": "feed_floor", "seq": seq}
        case PutPushPosition(target=target, seq=seq):
            return {"op": "push_position", "target": target, "seq": seq}
    raise TypeError(f"not a feed operation: {op!r}")  # pragma: no cover - exhaustive match above


def decode_feed(data: dict[str, Any]) -> FeedOp:
    """A feed operation from its JSON form (the caller maps errors to its own decode error)."""
    tag = data["op"]
    if tag == "feed":
        return AppendFeed(FeedEvent.model_validate(data["row"], context=STORED))
    if tag == "peer_cursor":
        return PutCursor(str(data["peer"]), str(data["cursor"]))
    if tag == "feed_floor":
        return FeedFloor(int(data["seq"]))
    if tag == "push_position":
        return PutPushPosition(str(data["target"]), int(data["seq"]))
    raise ValueError(f"unknown feed operation tag {tag!r}")


def _event_packer() -> ModelPacker[FeedEvent]:
    """Feed events packed with their entry and status change (a pydantic event was ~3.7 KB)."""
    shared = Shared()
    entry = ModelPacker(
        ListEntry, shared, frozenset(ListEntry.model_fields) - {"entry_id", "reason", "basis"}
    )
    change = ModelPacker(StatusChange, shared, frozenset(StatusChange.model_fields) - {"reason", "at"})
    return ModelPacker(
        FeedEvent,
        shared,
        frozenset({"event", "source_region"}),
        nested={"entry": entry, "change": change},
    )


class FeedLog:
    """The feed's events in ``seq`` order, the last event of each entry, and the peers' cursors.

    Events are held packed (:class:`~.compact.ModelPacker`) and built when read: a page at a time.
    """

    def __init__(self) -> None:
        self._packer = _event_packer()
        self._events: list[tuple[Any, ...]] = []  # packed, in seq order
        self._seqs: list[int] = []  # parallel to events, for bisect
        self.head = 0
        self._last_of_entry: dict[str, tuple[Any, ...]] = {}  # entry id -> its last packed event
        self.cursors: dict[str, str] = {}
        self.pushed: dict[str, int] = {}
        self._entry_at = self._packer.index("entry")
        self._origin_at = self._packer.index("origin_seq")
        self._version_at = ModelPacker(ListEntry, Shared(), frozenset()).index("version")

    @property
    def events(self) -> list[FeedEvent]:
        """Every event, built (a dump's or a test's read; pages read :meth:`after`)."""
        return [self._packer.unpack(row) for row in self._events]

    def apply(self, op: FeedOp) -> None:
        match op:
            case AppendFeed(event=event):
                row = self._packer.pack(event)
                self._events.append(row)
                self._seqs.append(event.seq)
                self.head = event.seq
                self._last_of_entry[sys.intern(event.entry.entry_id)] = row
            case PutCursor(peer=peer, cursor=cursor):
                self.cursors[peer] = cursor
            case FeedFloor(seq=seq):
                self.head = max(self.head, seq)
            case PutPushPosition(target=target, seq=seq):
                self.pushed[target] = seq

    def after(self, seq: int, limit: int) -> list[FeedEvent]:
        start = bisect.bisect_right(self._seqs, seq)
        return [self._packer.unpack(row) for row in self._events[start : start + limit]]

    def revision(self, entry_id: str) -> Revision | None:
        """:attr:`FeedEvent.revision` of the entry's last event, read off the packed row."""
        last = self._last_of_entry.get(entry_id)
        if last is None:
            return None
        return Revision(last[self._entry_at][self._version_at], last[self._origin_at])

    def is_empty(self) -> bool:
        return not (self._events or self.cursors or self.head or self.pushed)

    def has_events(self) -> bool:
        return bool(self._events)

    def dump(self) -> Iterator[FeedOp]:
        """Operations that rebuild the feed: the floor below the first event, events, cursors."""
        floor = self._seqs[0] - 1 if self._seqs else self.head
        if floor:
            yield FeedFloor(floor)
        yield from (AppendFeed(self._packer.unpack(row)) for row in self._events)
        yield from (PutCursor(peer, cursor) for peer, cursor in self.cursors.items())
        yield from (PutPushPosition(target, seq) for target, seq in self.pushed.items())
