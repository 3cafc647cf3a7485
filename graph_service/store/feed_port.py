"""The store port of the change feed (issue 8), mixed into :class:`~graph_service.store.base.GraphStore`.

Recording is not a method here: every backend appends the events of an entry write inside that write's own
transaction (see :func:`graph_service.domain.feed.pending_events`), so a change and its event are
committed together or not at all, whichever write path (workflow step, bulk load, person merge) made it.

Sequence numbers are store-global, gap-free and grow across restarts and :meth:`GraphStore.clear` (which
empties the feed but keeps the counter, so a peer's cursor never points into a new, unrelated feed).
"""

from __future__ import annotations

import abc
from collections import Counter
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from graph_service.domain.feed import Disposition, FeedEvent, Revision, disposition
from graph_service.domain.model import ListEntry, Organization, Person, RegionCode
from graph_service.domain.propagation import PersonalLink
from graph_service.errors import Conflict, InvalidInput


class FeedSlice(BaseModel):
    """Events after a position, and the feed's head (the last ``seq`` handed out) when they were read."""

    model_config = ConfigDict(frozen=True)

    events: list[FeedEvent]
    head: int


class PeerItem(BaseModel):
    """One peer event to apply here, with this store's personal links for its entry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event: FeedEvent
    links: tuple[PersonalLink, ...] = ()


class PeerBatch(BaseModel):
    """One page of a peer's feed, prepared for :meth:`FeedPort.apply_peer_batch`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    peer: str = Field(min_length=1, max_length=100)
    expected_cursor: str | None = Field(description="The peer's cursor stored here before this page")
    cursor: str = Field(min_length=1, description="The cursor after this page, stored with it")
    home_region: RegionCode
    subjects: tuple[Organization | Person, ...] = Field(
        default=(), description="Records of subjects the entries name; created here only if unknown"
    )
    items: tuple[PeerItem, ...] = ()


class PeerApplied(BaseModel):
    """What applying one page did: entry ids applied, and how many events were skipped, by reason."""

    applied: list[str] = Field(default_factory=list)
    skipped: dict[Disposition, int] = Field(default_factory=dict)


class FeedPort(abc.ABC):
    """Reading the change feed and applying a peer's feed: both backends, one contract."""

    @abc.abstractmethod
    def feed_events(self, after: int, limit: int) -> FeedSlice:
        """Events with ``seq > after``, oldest first, at most ``limit``; and the head.

        ``InvalidInput`` if ``after`` is negative or ``limit`` is not in 1..10 000.
        """

    @abc.abstractmethod
    def peer_cursor(self, peer: str) -> str | None:
        """The cursor of ``peer``'s feed stored with the last page applied from it, or None."""

    @abc.abstractmethod
    def apply_peer_batch(self, batch: PeerBatch) -> PeerApplied:
        """Apply one page of a peer's feed and store the peer's new cursor, in ONE transaction.

        ``Conflict`` (nothing written) if the stored cursor is not ``batch.expected_cursor``: another sync
        of the same peer got there first. Each event is judged by
        :func:`~graph_service.domain.feed.disposition` against what is stored (and against the events
        before it in the batch). An applied event stores the entry as given, creates the unknown subjects
        it names from ``batch.subjects``, writes a status change when the status changed (a new entry gets
        its first one), replaces the entry's personal links with the item's, and appends an event to this
        store's feed with the peer's ``source_region`` and ``origin_seq`` (so a hub relays it). ``NotFound``
        (nothing written) if an applied entry names a subject neither stored nor given.
        """


def require_feed_range(after: int, limit: int) -> None:
    """The argument checks of :meth:`FeedPort.feed_events`, shared by the backends."""
    if after < 0:
        raise InvalidInput.for_field("after", after, "must be zero or more")
    if not 1 <= limit <= 10_000:
        raise InvalidInput.for_field("limit", limit, "must be between 1 and 10000")


def require_cursor(peer: str, stored: str | None, expected: str | None) -> None:
    """``Conflict`` unless the stored cursor is the one the batch was fetched after."""
    if stored != expected:
        raise Conflict(
            f"the cursor of peer {peer!r} moved meanwhile (another sync of it ran): stored {stored!r}, "
            f"this page was fetched after {expected!r}; nothing was written, fetch again"
        )


class BatchJudge:
    """Judges a batch's events in order, remembering what the batch itself applies (shared by backends)."""

    def __init__(
        self, stored: Mapping[str, ListEntry], revisions: Mapping[str, Revision], home_region: str
    ) -> None:
        self._entries = dict(stored)
        self._revisions = dict(revisions)
        self._home = home_region
        self.applied: dict[str, ListEntry] = {}
        self.skipped: Counter[Disposition] = Counter()

    def current(self, entry_id: str) -> ListEntry | None:
        """The entry as stored, or as an earlier event of this batch left it."""
        return self._entries.get(entry_id)

    def judge(self, event: FeedEvent) -> bool:
        """True if ``event`` is to be applied (and remember it as the current state)."""
        entry_id = event.entry.entry_id
        verdict = disposition(
            event,
            stored=self._entries.get(entry_id),
            stored_revision=self._revisions.get(entry_id),
            home_region=self._home,
        )
        if verdict is not Disposition.APPLY:
            self.skipped[verdict] += 1
            return False
        self._entries[entry_id] = event.entry
        self._revisions[entry_id] = event.revision
        self.applied[entry_id] = event.entry
        return True

    def result(self, applied_ids: list[str]) -> PeerApplied:
        return PeerApplied(applied=applied_ids, skipped=dict(self.skipped))
