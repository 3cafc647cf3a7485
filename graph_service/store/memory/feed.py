"""The change feed of the embedded store: recording, reading, and applying a peer's page.

Recording is one hook in :meth:`MemoryStore._commit`: :func:`with_feed_events` looks at the entries a
planned batch writes, compares them with the state before it, and appends the feed operations to the same
batch, so they are journaled (and fsynced) in the same record as the change itself.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from graph_service.domain import peer_batch
from graph_service.domain.feed import pending_events
from graph_service.domain.model import ListEntry, StatusChange, UpsertCounts
from graph_service.domain.peer_batch import PeerApplied, PeerBatch
from graph_service.domain.propagation import PersonalLink
from graph_service.store import contract
from graph_service.store.feed_port import FeedPort, FeedSlice
from graph_service.store.memory.feed_state import AppendFeed, PutCursor, PutPushPosition
from graph_service.store.memory.graph import GraphState
from graph_service.store.memory.ops import AddStatus, DropLink, Op, PutEntry, PutLink, PutSubject


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
    """Every operation of one applied page: read the inputs, plan in the domain, write the plan."""
    contract.require_cursor(batch.peer, state.feed.cursors.get(batch.peer), batch.expected_cursor)
    entry_ids = batch.entry_ids
    planned = peer_batch.plan_peer_batch(
        batch,
        stored={key: state.entries[key] for key in entry_ids if key in state.entries},
        revisions={key: rev for key in entry_ids if (rev := state.feed.revision(key)) is not None},
        stored_subjects={key for key in batch.named_subjects if state.subject(key) is not None},
        now=now,
    )
    ops: list[Op] = [PutSubject(subject) for subject in planned.subjects]
    for applied in planned.entries:
        ops.append(PutEntry(applied.entry))
        if applied.change is not None:
            ops.append(AddStatus(applied.change))
    for entry_id, links in planned.links.items():
        ops += _link_ops(state, entry_id, links)
    first = state.feed.head + 1
    ops += [AppendFeed(event.numbered(first + i)) for i, event in enumerate(planned.events)]
    ops.append(PutCursor(batch.peer, batch.cursor))
    return ops, planned.result


def _link_ops(state: GraphState, entry_id: str, links: tuple[PersonalLink, ...]) -> list[Op]:
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

    @property
    def pseudonyms_durable(self) -> bool:
        """False: the index lives in memory and is rebuilt from the persons when the keys are given."""
        return False

    def _index_pseudonyms(self, pairs: Mapping[str, str]) -> None:
        with self._lock:
            self._readable().pseudonyms.update(pairs)

    def _persons_by_pseudonym(self, pseudonyms: Sequence[str]) -> dict[str, str]:
        with self._lock:
            state = self._readable()
            found = {p: state.pseudonyms[p] for p in pseudonyms if p in state.pseudonyms}
            return {p: key for p, key in found.items() if state.subject(key) is not None}

    def _feed_events(self, after: int, limit: int) -> FeedSlice:
        with self._lock:
            feed = self._readable().feed
            return FeedSlice(events=feed.after(after, limit), head=feed.head)

    def peer_cursor(self, peer: str) -> str | None:
        with self._lock:
            return self._readable().feed.cursors.get(peer)

    def push_position(self, target: str) -> int:
        with self._lock:
            return self._readable().feed.pushed.get(target, 0)

    def _set_push_position(self, target: str, seq: int) -> None:
        with self._lock:
            self._writable()
            self._commit([PutPushPosition(target, seq)], UpsertCounts())

    def apply_peer_batch(self, batch: PeerBatch) -> PeerApplied:
        with self._lock:
            ops, result = plan_peer_batch(self._writable(), batch, self._clock())
            self._commit(ops, UpsertCounts())
            return result
