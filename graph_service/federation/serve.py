"""Serving the change feed to peers: opaque cursors and self-contained pages.

A cursor is ``base64url("<region>:<seq>")``: opaque to callers, bound to the feed it came from (a cursor
of another deployment is refused rather than silently misread), and monotonic — the ``next`` cursor of a
page is never before its ``after``. A page carries, besides its events, the records of every subject the
events' entries name, so a peer that has never heard of a subject can still apply the entry.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from pydantic import BaseModel, Field

from graph_service.domain.feed import FeedEvent
from graph_service.domain.model import Organization, Person
from graph_service.errors import Conflict, InvalidInput
from graph_service.store.base import GraphStore

FEED_LIMIT_MAX = 1000
_CURSOR = re.compile(r"^([0-9]{6}):([0-9]{1,18})$")


class FeedPage(BaseModel):
    """One page of the feed, as the API sends it (signed, see :mod:`graph_service.federation.signing`)."""

    feed: str = Field(description="Home region of the deployment whose feed this is", examples=["430923"])
    after: str | None = Field(description="The cursor the page was asked for (null = from the start)")
    nonce: str | None = Field(description="The caller's X-Feed-Nonce, echoed so a replayed answer fails")
    events: list[FeedEvent]
    # Plain objects (an Organization or a Person each), not the models: the Person schema's example is a
    # full ID number, which the published OpenAPI document must not carry (tests/api/test_id_exposure.py).
    subjects: dict[str, dict[str, Any]] = Field(
        description="Records (Organization or Person) of the subjects the events' entries name, by key"
    )
    next: str = Field(description="Cursor to ask for the next page with")
    caught_up: bool = Field(description="True when no event after this page existed when it was read")


def encode_cursor(region: str, seq: int) -> str:
    """The opaque cursor of position ``seq`` in the feed of ``region``."""
    return base64.urlsafe_b64encode(f"{region}:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, field: str = "after") -> tuple[str, int]:
    """``(region, seq)`` of a cursor; ``InvalidInput`` naming ``field`` and the value if it is not one."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    match = _CURSOR.match(text)
    if match is None:
        raise InvalidInput.for_field(
            field, cursor, "is not a feed cursor (pass back a `next` you were given)"
        )
    return match.group(1), int(match.group(2))


def position_of(cursor: str | None, region: str) -> int:
    """The ``seq`` a cursor of this feed stands for (0 = from the start); refuses other feeds' cursors."""
    if cursor is None:
        return 0
    feed, seq = decode_cursor(cursor)
    if feed != region:
        raise InvalidInput.for_field(
            "after", cursor, f"is a cursor of the feed of region {feed}; this is the feed of region {region}"
        )
    return seq


def read_feed(
    store: GraphStore, *, region: str, after: str | None, limit: int, nonce: str | None = None
) -> FeedPage:
    """The events after ``after`` (at most ``limit``), with the subjects they name, and the next cursor.

    Own entries (no ``source_region``) are sent with this deployment's ``region`` as their source.
    ``Conflict`` if the cursor is beyond the feed's head (it belongs to a feed that was reset, or was made
    up): following it would silently skip events.
    """
    if not 1 <= limit <= FEED_LIMIT_MAX:
        raise InvalidInput.for_field("limit", limit, f"must be between 1 and {FEED_LIMIT_MAX}")
    start = position_of(after, region)
    found = store.feed_events(start, limit)
    if start > found.head:
        raise Conflict(
            f"cursor {after!r} is at position {start}, beyond this feed's head {found.head}: it does not "
            "come from this feed as it is now; sync again from the start (graph-service sync --from-start)"
        )
    events = [_with_region(event, region) for event in found.events]
    last = events[-1].seq if events else start
    named = {key for e in events for key in (e.entry.subject_id, *e.entry.responsible_person_ids)}
    subjects = store.get_subjects(sorted(named))
    return FeedPage(
        feed=region,
        after=after,
        nonce=nonce,
        events=events,
        subjects={key: _record(subjects[key]) for key in sorted(subjects)},
        next=encode_cursor(region, last),
        caught_up=last >= found.head,
    )


def _record(subject: Organization | Person) -> dict[str, Any]:
    return subject.model_dump(mode="json")


def _with_region(event: FeedEvent, region: str) -> FeedEvent:
    if event.source_region is not None and event.entry.source_region is not None:
        return event
    source = event.source_region or event.entry.source_region or region
    entry = event.entry.model_copy(update={"source_region": event.entry.source_region or source})
    return event.model_copy(update={"source_region": source, "entry": entry})
