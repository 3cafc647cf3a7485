"""The change feed of list entries, and the rules for recognising (互认) another region's entries.

Pure: imports only pydantic, the standard library and sibling domain modules.

Every write that changes a list entry appends one :class:`FeedEvent` to the store's feed, in the same
transaction, at the next value of a store-global sequence (``seq``). Peers read the feed in ``seq`` order
and apply the events to their own store. An event carries the entry's full payload, so applying it needs
no second call.

Ordering of one entry's versions across deployments: an event's :class:`Revision` is the entry's
``version`` and its ``origin_seq`` — the event's position in the feed of the deployment where the change
was made. A relay (a province hub) passes ``origin_seq`` on unchanged, so a county that hears of the same
change from its neighbour and from the hub sees the same revision twice and applies it once. ``origin_seq``
breaks ties between writes that change an entry without a new version (a bulk load correcting a field).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from graph_service.domain.model import EntryStatus, ListEntry, RegionCode, StatusChange


class FeedEventKind(StrEnum):
    """What happened to an entry."""

    CREATED = "created"
    CORRECTED = "corrected"  # fields changed (更正), or a bulk load replaced the entry
    DISPUTED = "disputed"  # an objection was filed (异议): enforcement is suspended
    UPHELD = "upheld"  # the objection was rejected: enforced again
    REPAIRED = "repaired"  # credit repair (信用修复): no longer enforced
    REVOKED = "revoked"  # the decision was withdrawn (撤销): no longer enforced
    EXPIRED = "expired"  # recorded only if a status named "expired" is ever stored; see event_kind


class Revision(NamedTuple):
    """How recent one state of an entry is: compare with ``<`` (version first, then origin_seq)."""

    version: int
    origin_seq: int


class FeedEvent(BaseModel):
    """One change of one entry, at position ``seq`` of a store's feed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int = Field(ge=1, description="Position in this deployment's feed (store-global, gap-free)")
    event: FeedEventKind
    entry: ListEntry = Field(description="The entry after the change: the full payload, with its version")
    source_region: RegionCode | None = Field(
        default=None,
        description="Region whose decision the entry is; None in a store means this deployment's own",
    )
    origin_seq: int = Field(
        ge=1, description="Position of the change in the origin region's feed (equals seq for own events)"
    )
    at: dt.datetime = Field(description="When this store recorded the change")
    change: StatusChange | None = Field(
        default=None, description="The status change written with it (None when the status did not change)"
    )

    @property
    def revision(self) -> Revision:
        return Revision(self.entry.version, self.origin_seq)


class PendingEvent(BaseModel):
    """An event before the store numbers it: the store assigns ``seq`` (and ``origin_seq`` if unset)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event: FeedEventKind
    entry: ListEntry
    source_region: RegionCode | None = None
    origin_seq: int | None = Field(default=None, ge=1)
    at: dt.datetime
    change: StatusChange | None = None

    def numbered(self, seq: int) -> FeedEvent:
        """The event at position ``seq``; an own event's origin is itself."""
        return FeedEvent(
            seq=seq,
            event=self.event,
            entry=self.entry,
            source_region=self.source_region,
            origin_seq=self.origin_seq or seq,
            at=self.at,
            change=self.change,
        )


_STATUS_EVENTS = {
    EntryStatus.DISPUTED: FeedEventKind.DISPUTED,
    EntryStatus.REPAIRED: FeedEventKind.REPAIRED,
    EntryStatus.REVOKED: FeedEventKind.REVOKED,
}
# Fields that say nothing about the decision itself: a change of only these is not a correction.
_BOOKKEEPING = {"status", "version"}


def event_kind(before: ListEntry | None, after: ListEntry) -> FeedEventKind | None:
    """What a write did to an entry; None when it changed nothing (no event is recorded then).

    A new status names the event (disputed, repaired, revoked; back to active from disputed is upheld,
    or corrected when fields changed too). The same status with other fields is a correction. Expiry is
    not a stored status: an entry's ``valid_until`` travels with every event, so each deployment stops
    enforcing it on the same day without an event; a status whose value is ``expired`` maps to EXPIRED.
    """
    if before is None:
        return FeedEventKind.CREATED
    if before == after:
        return None
    if before.status is after.status:
        return FeedEventKind.CORRECTED
    if after.status in _STATUS_EVENTS:
        return _STATUS_EVENTS[after.status]
    if after.status.value in FeedEventKind.__members__.values():
        return FeedEventKind(after.status.value)
    if before.status is EntryStatus.DISPUTED and after.status is EntryStatus.ACTIVE:
        unchanged = before.model_dump(exclude=_BOOKKEEPING) == after.model_dump(exclude=_BOOKKEEPING)
        return FeedEventKind.UPHELD if unchanged else FeedEventKind.CORRECTED
    return FeedEventKind.CORRECTED


def pending_events(
    before: dict[str, ListEntry],
    after: dict[str, ListEntry],
    changes: dict[str, StatusChange],
    now: dt.datetime,
) -> list[PendingEvent]:
    """The events of one write: one per entry it changed, in the order of ``after``.

    ``before`` holds the stored entries the write replaces (absent = new), ``after`` the last version the
    write stores of each entry, ``changes`` the status change written with an entry, if any. An event is
    stamped with its change's time when there is one (a workflow step), else ``now``.
    """
    events: list[PendingEvent] = []
    for entry_id, entry in after.items():
        kind = event_kind(before.get(entry_id), entry)
        if kind is None:
            continue
        change = changes.get(entry_id)
        events.append(
            PendingEvent(
                event=kind,
                entry=entry,
                source_region=entry.source_region,
                at=change.at if change is not None else now,
                change=change,
            )
        )
    return events


class Disposition(StrEnum):
    """What a deployment does with a peer's event."""

    APPLY = "apply"
    DUPLICATE = "duplicate"  # this revision is here already (a retry, or heard through another peer)
    OLDER = "older"  # a newer revision is here: never overwrite it
    OWN = "own"  # our own decision relayed back to us (a hub echoes everything)
    CLASH = "clash"  # the entry id is taken here by another region's entry: kept apart, reported


def disposition(
    incoming: FeedEvent,
    *,
    stored: ListEntry | None,
    stored_revision: Revision | None,
    home_region: str,
) -> Disposition:
    """Whether to apply ``incoming`` (its ``source_region`` already set) given what this store holds.

    Deduplication is by source region + entry id + revision, so applying a page twice, or the same change
    from two peers, stores it once; an older revision never overwrites a newer one.
    """
    region = incoming.source_region or home_region
    if region == home_region:
        return Disposition.OWN
    if stored is None:
        return Disposition.APPLY
    if (stored.source_region or home_region) != region:
        return Disposition.CLASH
    current = stored_revision or Revision(stored.version, 0)
    if incoming.revision == current:
        return Disposition.DUPLICATE
    if incoming.revision < current:
        return Disposition.OLDER
    return Disposition.APPLY


def status_change_here(
    entry_id: str, stored: ListEntry | None, incoming: FeedEvent, region: str
) -> StatusChange | None:
    """The history record a recognised entry gets here: its status change, if the status changed.

    A new entry's first record is :func:`first_status_change`, like any new entry's (None is returned then).
    The origin's actor, time and reason are kept; without an origin record the peer region is the actor.
    """
    if stored is None or stored.status is incoming.entry.status:
        return None
    origin = incoming.change
    return StatusChange(
        entry_id=entry_id,
        from_status=stored.status,
        to_status=incoming.entry.status,
        at=origin.at if origin is not None else incoming.at,
        actor=origin.actor if origin is not None else f"peer region {region}",
        reason=origin.reason if origin is not None else None,
    )


def first_status_change(entry: ListEntry, now: dt.datetime) -> StatusChange:
    """The first history record of a new entry: from nothing to its status, by the initiating department."""
    return StatusChange(
        entry_id=entry.entry_id, from_status=None, to_status=entry.status, at=now, actor=entry.initiating_dept
    )
