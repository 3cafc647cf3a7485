"""The change feed of the embedded store (issue 8): recording, reading, and applying a peer's page.

Recording is one hook in :meth:`MemoryStore._commit`: :func:`with_feed_events` looks at the entries a
planned batch writes, compares them with the state before it, and appends the feed operations to the same
batch, so they are journaled (and fsynced) in the same record as the change itself.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from graph_service.domain.feed import PendingEvent, pending_events, status_change_here
from graph_service.domain.model import ListEntry, StatusChange, UpsertCounts
from graph_service.domain.propagation import PersonalLink
from graph_service.errors import InvalidInput
from graph_service.store.feed_port import (
    BatchJudge,
    FeedPort,
    FeedSlice,
    PeerApplied,
    PeerBatch,
    require_cursor,
    require_feed_range,
)
from graph_service.store.memory.feed_state import AppendFeed, PutCursor
from graph_service.store.memory.graph import GraphState
from graph_service.store.memory.ops import AddStatus, DropLink, Op, PutEntry, PutLink, PutSubject
from graph_service.store.memory.plan import _raise_missing, first_status_change


def with_feed_events(state: GraphState, ops: list[Op], clock: Callable[[], dt.datetime]) -> list[Op]:
    """``ops`` plus one feed event per entry the batch changes (entries with explicit events excluded)."""
    after: dict[str, ListEntry] = {}
    changes: dict[str, StatusChange] = {}
    explicit = 0
    relayed: set[str] = set()
    for op in ops:
        if isinstance(op, PutEntry):
            after[op.entry.entry_id] = op.entry
        elif isinstance(op, AddStatus):
            changes[op.change.entry_id] = op.change
        elif isinstance(op, AppendFeed):
            explicit += 1
            relayed.add(op.event.entry.entry_id)
    for entry_id in relayed:
        after.pop(entry_id, None)
    if not after:
        return ops
    before = {entry_id: state.entries[entry_id] for entry_id in after if entry_id in state.entries}
    pending = pending_events(before, after, changes, clock())
    first = state.feed.head + explicit + 1
    return ops + [AppendFeed(event.numbered(first + i)) for i, event in enumerate(pending)]


def plan_peer_batch(state: GraphState, batch: PeerBatch, now: dt.datetime) -> tuple[list[Op], PeerApplied]:
    """Every operation of one applied page; see :meth:`FeedPort.apply_peer_batch`."""
    require_cursor(batch.peer, state.feed.cursors.get(batch.peer), batch.expected_cursor)
    entry_ids = {item.event.entry.entry_id for item in batch.items}
    revisions = {key: rev for key in entry_ids if (rev := state.feed.revision(key)) is not None}
    judge = BatchJudge(
        {key: state.entries[key] for key in entry_ids if key in state.entries}, revisions, batch.home_region
    )
    given = {subject.key: subject for subject in batch.subjects}
    ops: list[Op] = []
    created: set[str] = set()
    events: list[PendingEvent] = []
    applied: list[str] = []
    for item in batch.items:
        incoming = item.event
        entry = incoming.entry
        before = judge.current(entry.entry_id)
        if not judge.judge(incoming):
            continue
        for key in (entry.subject_id, *entry.responsible_person_ids, *(x.person_id for x in item.links)):
            if state.subject(key) is None and key not in created and key in given:
                ops.append(PutSubject(given[key]))
                created.add(key)
        _require_subjects(state, created, entry, item.links)
        ops.append(PutEntry(entry))
        region = incoming.source_region or batch.home_region
        change = (
            first_status_change(entry, now)
            if before is None
            else status_change_here(entry.entry_id, before, incoming, region)
        )
        if change is not None:
            ops.append(AddStatus(change))
        ops += _link_ops(state, entry.entry_id, item.links)
        events.append(
            PendingEvent(
                event=incoming.event,
                entry=entry,
                source_region=region,
                origin_seq=incoming.origin_seq,
                at=now,
                change=change,
            )
        )
        applied.append(entry.entry_id)
    first = state.feed.head + 1
    ops += [AppendFeed(event.numbered(first + i)) for i, event in enumerate(events)]
    ops.append(PutCursor(batch.peer, batch.cursor))
    return ops, judge.result(applied)


def _require_subjects(
    state: GraphState, created: set[str], entry: ListEntry, links: tuple[PersonalLink, ...]
) -> None:
    missing: dict[str, str] = {}
    keys = [("subject_id", entry.subject_id)]
    keys += [("responsible_person_ids", key) for key in entry.responsible_person_ids]
    keys += [("links.person_id", link.person_id) for link in links]
    for field, key in keys:
        if state.subject(key) is None and key not in created:
            missing.setdefault(key, field)
    _raise_missing(f"subjects of peer entry {entry.entry_id!r}", missing)


def _link_ops(state: GraphState, entry_id: str, links: tuple[PersonalLink, ...]) -> list[Op]:
    for i, link in enumerate(links):
        if link.entry_id != entry_id:
            raise InvalidInput.for_field(f"items.links[{i}].entry_id", link.entry_id, f"must be {entry_id!r}")
    ops: list[Op] = [PutLink(link) for link in links if state.links.get((entry_id, link.person_id)) != link]
    keep = {link.person_id for link in links}
    for stale in sorted(state.links_by_entry.get(entry_id, set()) - keep):
        ops.append(DropLink(state.links[(entry_id, stale)]))
    return ops


class MemoryFeed(FeedPort):
    """The feed methods of :class:`~graph_service.store.memory.store.MemoryStore` (mixed in)."""

    if TYPE_CHECKING:
        _lock: threading.RLock
        _clock: Callable[[], dt.datetime]

        def _readable(self) -> GraphState: ...
        def _writable(self) -> GraphState: ...
        def _commit(self, ops: list[Op], counts: UpsertCounts) -> UpsertCounts: ...

    def feed_events(self, after: int, limit: int) -> FeedSlice:
        require_feed_range(after, limit)
        with self._lock:
            feed = self._readable().feed
            return FeedSlice(events=feed.after(after, limit), head=feed.head)

    def peer_cursor(self, peer: str) -> str | None:
        with self._lock:
            return self._readable().feed.cursors.get(peer)

    def apply_peer_batch(self, batch: PeerBatch) -> PeerApplied:
        with self._lock:
            ops, result = plan_peer_batch(self._writable(), batch, self._clock())
            self._commit(ops, UpsertCounts())
            return result
