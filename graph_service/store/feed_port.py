"""The feed port: reading the change feed and applying a peer's page, mixed into
:class:`~graph_service.store.base.GraphStore`.

Recording is not a method here: every backend appends the events of an entry write inside that write's own
transaction (see :func:`graph_service.domain.feed.pending_events`), so a change and its event are
committed together or not at all, whichever write path (workflow step, bulk load, person merge) made it.

Sequence numbers are store-global, gap-free and grow across restarts and :meth:`GraphStore.clear` (which
empties the feed but keeps the counter, so a peer's cursor never points into a new, unrelated feed).
"""

from __future__ import annotations

import abc

from pydantic import BaseModel, ConfigDict

from graph_service.domain.feed import FeedEvent
from graph_service.domain.peer_batch import PeerApplied, PeerBatch
from graph_service.errors import InvalidInput
from graph_service.store import contract


class FeedSlice(BaseModel):
    """Events after a position, and the feed's head (the last ``seq`` handed out) when they were read."""

    model_config = ConfigDict(frozen=True)

    events: list[FeedEvent]
    head: int


class FeedPort(abc.ABC):
    """Reading the change feed and applying a peer's feed: both backends, one contract."""

    def feed_events(self, after: int, limit: int) -> FeedSlice:
        """Events with ``seq > after``, oldest first, at most ``limit``; and the head.

        ``InvalidInput`` if ``after`` is negative or ``limit`` is not in 1..10 000.
        """
        contract.require_feed_range(after, limit)
        return self._feed_events(after, limit)

    @abc.abstractmethod
    def _feed_events(self, after: int, limit: int) -> FeedSlice:
        """:meth:`feed_events`, the range checked."""

    @abc.abstractmethod
    def peer_cursor(self, peer: str) -> str | None:
        """The cursor of ``peer``'s feed stored with the last page applied from it, or None."""

    @abc.abstractmethod
    def push_position(self, target: str) -> int:
        """The last ``seq`` of this store's feed that push target ``target`` acknowledged (0 = none)."""

    def set_push_position(self, target: str, seq: int) -> None:
        """Store that ``target`` acknowledged this feed up to ``seq`` (one write; it advances the data
        version like any write). Stored as given, so a pusher can also move back to what a reset target
        says it holds. ``InvalidInput`` if ``seq`` is negative or ``target`` is empty.
        """
        contract.require_not_negative("seq", seq)
        if not target:
            raise InvalidInput.for_field("target", target, "must name a push target")
        self._set_push_position(target, seq)

    @abc.abstractmethod
    def _set_push_position(self, target: str, seq: int) -> None:
        """:meth:`set_push_position`, the arguments checked."""

    @abc.abstractmethod
    def apply_peer_batch(self, batch: PeerBatch) -> PeerApplied:
        """Apply one page of a peer's feed and store the peer's new cursor, in ONE transaction.

        ``Conflict`` (nothing written) if the stored cursor is not ``batch.expected_cursor``
        (:func:`~graph_service.store.contract.require_cursor`): another sync of the same peer got there
        first. What the page writes is planned by :func:`~graph_service.domain.peer_batch.plan_peer_batch`
        from the stored state the backend reads. An applied event stores the entry as given, creates the
        unknown subjects it names from ``batch.subjects``, writes a status change when the status changed
        (a new entry gets its first one), replaces the entry's personal links with the item's, and appends
        an event to this store's feed with the peer's ``source_region`` and ``origin_seq`` (so a hub
        relays it). ``NotFound`` (nothing written) if an applied entry names a subject neither stored nor
        given.
        """
