"""Applying one page of a peer's feed (互认), planned once for every backend.

Pure: imports only pydantic, the standard library, sibling domain modules and the error tree.

A backend reads what the plan needs — the stored entries and feed revisions of the page's entries, and
which of the subjects it names are stored — calls :func:`plan_peer_batch`, and writes the plan in one
transaction: the subjects to create, each applied entry (with its status change), each applied entry's
final personal links, the events to append to its own feed, and the peer's new cursor.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from graph_service.domain.feed import (
    Disposition,
    FeedEvent,
    PendingEvent,
    Revision,
    disposition,
    first_status_change,
    status_change_here,
)
from graph_service.domain.model import ListEntry, Organization, Person, RegionCode, StatusChange
from graph_service.domain.propagation import PersonalLink
from graph_service.errors import InvalidInput, NotFound


class PeerItem(BaseModel):
    """One peer event to apply here, with this store's personal links for its entry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event: FeedEvent
    links: tuple[PersonalLink, ...] = ()


class PeerBatch(BaseModel):
    """One page of a peer's feed, prepared for a store's ``apply_peer_batch``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    peer: str = Field(min_length=1, max_length=100)
    expected_cursor: str | None = Field(description="The peer's cursor stored here before this page")
    cursor: str = Field(min_length=1, description="The cursor after this page, stored with it")
    home_region: RegionCode
    subjects: tuple[Organization | Person, ...] = Field(
        default=(), description="Records of subjects the entries name; created here only if unknown"
    )
    items: tuple[PeerItem, ...] = ()

    @property
    def entry_ids(self) -> list[str]:
        """The ids of the entries the page's events carry, once each, in page order."""
        return list(dict.fromkeys(item.event.entry.entry_id for item in self.items))

    @property
    def named_subjects(self) -> list[str]:
        """Every subject key the page's entries and links name, once each, in page order."""
        return list(dict.fromkeys(key for item in self.items for key, _ in _named(item)))


class PeerApplied(BaseModel):
    """What applying one page did: entry ids applied, and how many events were skipped, by reason."""

    applied: list[str] = Field(default_factory=list)
    skipped: dict[Disposition, int] = Field(default_factory=dict)


@dataclass(frozen=True)
class AppliedEntry:
    """One applied event: the entry to store, whether it is new here, and its status change, if any.

    ``created``: the entry was not stored before this page; ``change`` is then its first status change.
    """

    entry: ListEntry
    created: bool
    change: StatusChange | None


@dataclass(frozen=True)
class PeerPlan:
    """What to write for one page, in this order; ``result`` is what the caller is told."""

    subjects: tuple[Organization | Person, ...]
    entries: tuple[AppliedEntry, ...]
    links: Mapping[str, tuple[PersonalLink, ...]]  # each applied entry's links as its last event left them
    events: tuple[PendingEvent, ...]
    result: PeerApplied


def plan_peer_batch(
    batch: PeerBatch,
    *,
    stored: Mapping[str, ListEntry],
    revisions: Mapping[str, Revision],
    stored_subjects: Collection[str],
    now: dt.datetime,
) -> PeerPlan:
    """Judge each event of ``batch`` in order and plan what the applied ones write.

    ``stored`` and ``revisions`` hold the page's entries as stored here; ``stored_subjects`` the keys
    among :attr:`PeerBatch.named_subjects` that are stored. Each event is judged by
    :func:`~graph_service.domain.feed.disposition` against the stored state and the events before it.
    ``InvalidInput`` if an item's link names another entry; ``NotFound`` if an applied entry names a
    subject neither stored nor given in ``batch.subjects``.
    """
    entries = dict(stored)
    seen = dict(revisions)
    given = {subject.key: subject for subject in batch.subjects}
    create: dict[str, Organization | Person] = {}
    applied: list[AppliedEntry] = []
    links: dict[str, tuple[PersonalLink, ...]] = {}
    events: list[PendingEvent] = []
    skipped: Counter[Disposition] = Counter()
    for item in batch.items:
        incoming = item.event
        entry = incoming.entry
        before = entries.get(entry.entry_id)
        verdict = disposition(
            incoming, stored=before, stored_revision=seen.get(entry.entry_id), home_region=batch.home_region
        )
        if verdict is not Disposition.APPLY:
            skipped[verdict] += 1
            continue
        entries[entry.entry_id] = entry
        seen[entry.entry_id] = incoming.revision
        _require_links_of(entry, item.links)
        _require_named(item, stored_subjects, create, given)
        region = incoming.source_region or batch.home_region
        change = (
            first_status_change(entry, now)
            if before is None
            else status_change_here(entry.entry_id, before, incoming, region)
        )
        applied.append(AppliedEntry(entry=entry, created=before is None, change=change))
        links[entry.entry_id] = item.links
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
    return PeerPlan(
        subjects=tuple(create.values()),
        entries=tuple(applied),
        links=links,
        events=tuple(events),
        result=PeerApplied(applied=[a.entry.entry_id for a in applied], skipped=dict(skipped)),
    )


def _named(item: PeerItem) -> list[tuple[str, str]]:
    """The subject keys an item names, with the field that names each."""
    entry = item.event.entry
    named = [(entry.subject_id, "subject_id")]
    named += [(key, "responsible_person_ids") for key in entry.responsible_person_ids]
    return named + [(link.person_id, "links.person_id") for link in item.links]


def _require_links_of(entry: ListEntry, links: tuple[PersonalLink, ...]) -> None:
    for i, link in enumerate(links):
        if link.entry_id != entry.entry_id:
            raise InvalidInput.for_field(
                f"items.links[{i}].entry_id", link.entry_id, f"must be {entry.entry_id!r}"
            )


def _require_named(
    item: PeerItem,
    stored_subjects: Collection[str],
    create: dict[str, Organization | Person],
    given: Mapping[str, Organization | Person],
) -> None:
    """Make sure every subject an applied entry names is stored or will be created; else ``NotFound``."""
    missing: dict[str, str] = {}
    for key, field in _named(item):
        if key in stored_subjects or key in create:
            continue
        if key in given:
            create[key] = given[key]
        else:
            missing.setdefault(key, field)
    if missing:
        names = ", ".join(f"{key} ({field})" for key, field in missing.items())
        raise NotFound(
            f"subjects of peer entry {item.event.entry.entry_id!r} not stored: {names}; "
            "nothing of the batch was written",
            errors=[{"field": f, "value": k, "reason": "not stored"} for k, f in missing.items()],
        )
