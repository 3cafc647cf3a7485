"""The feed's pure rules: naming a change, judging a peer's event, and cursors."""

from __future__ import annotations

import datetime as dt

import pytest

from graph_service.domain.feed import Disposition, FeedEvent, FeedEventKind, Revision, disposition, event_kind
from graph_service.domain.model import EntryStatus, ListEntry
from graph_service.errors import InvalidInput
from graph_service.federation.serve import decode_cursor, encode_cursor, position_of
from tests.factories import make_entry, make_org

HOME, PEER = "430923", "430921"
AT = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
ENTRY = make_entry("E-1", make_org(1).uscc)


def _as(entry: ListEntry, status: EntryStatus, **changes: object) -> ListEntry:
    return entry.model_copy(update={"status": status, "version": entry.version + 1, **changes})


@pytest.mark.parametrize(
    ("before", "after", "kind"),
    [
        (None, ENTRY, FeedEventKind.CREATED),
        (ENTRY, ENTRY.model_copy(update={"reason": "更正"}), FeedEventKind.CORRECTED),
        (ENTRY, _as(ENTRY, EntryStatus.DISPUTED), FeedEventKind.DISPUTED),
        (ENTRY, _as(ENTRY, EntryStatus.REPAIRED), FeedEventKind.REPAIRED),
        (ENTRY, _as(ENTRY, EntryStatus.REVOKED), FeedEventKind.REVOKED),
        (_as(ENTRY, EntryStatus.DISPUTED), _as(ENTRY, EntryStatus.ACTIVE, version=3), FeedEventKind.UPHELD),
        (
            _as(ENTRY, EntryStatus.DISPUTED),
            _as(ENTRY, EntryStatus.ACTIVE, version=3, valid_until=dt.date(2027, 1, 1)),
            FeedEventKind.CORRECTED,
        ),
        (ENTRY, ENTRY, None),
    ],
    ids=["created", "corrected", "disputed", "repaired", "revoked", "upheld", "corrected-on-resolve", "none"],
)
def test_a_change_is_named_by_what_it_did_to_the_entry(
    before: ListEntry | None, after: ListEntry, kind: FeedEventKind | None
) -> None:
    assert event_kind(before, after) is kind


def _event(entry: ListEntry, origin_seq: int, region: str | None = PEER) -> FeedEvent:
    return FeedEvent(
        seq=origin_seq,
        event=FeedEventKind.CREATED,
        entry=entry,
        source_region=region,
        origin_seq=origin_seq,
        at=AT,
    )


PEER_ENTRY = make_entry("E-9", make_org(9, region=PEER).uscc, source_region=PEER)


@pytest.mark.parametrize(
    ("stored", "revision", "incoming", "expected"),
    [
        (None, None, _event(PEER_ENTRY, 5), Disposition.APPLY),
        (PEER_ENTRY, Revision(1, 5), _event(PEER_ENTRY, 5), Disposition.DUPLICATE),
        (PEER_ENTRY, Revision(1, 5), _event(PEER_ENTRY, 6), Disposition.APPLY),
        (PEER_ENTRY, Revision(1, 5), _event(PEER_ENTRY, 4), Disposition.OLDER),
        (_as(PEER_ENTRY, EntryStatus.REPAIRED), Revision(2, 3), _event(PEER_ENTRY, 9), Disposition.OLDER),
        (PEER_ENTRY, None, _event(_as(PEER_ENTRY, EntryStatus.REVOKED), 2), Disposition.APPLY),
        (None, None, _event(PEER_ENTRY.model_copy(update={"source_region": HOME}), 5, HOME), Disposition.OWN),
        (
            PEER_ENTRY.model_copy(update={"source_region": None}),
            None,
            _event(PEER_ENTRY, 5),
            Disposition.CLASH,
        ),
    ],
    ids=[
        "new",
        "same-revision",
        "later-origin",
        "earlier-origin",
        "lower-version",
        "no-mark",
        "own",
        "clash",
    ],
)
def test_a_peer_event_is_applied_only_when_it_is_newer_than_what_is_here(
    stored: ListEntry | None, revision: Revision | None, incoming: FeedEvent, expected: Disposition
) -> None:
    verdict = disposition(incoming, stored=stored, stored_revision=revision, home_region=HOME)
    assert verdict is expected


def test_a_cursor_is_opaque_text_that_decodes_to_its_feed_and_position() -> None:
    cursor = encode_cursor(HOME, 1234)
    assert HOME not in cursor and "1234" not in cursor, cursor
    assert decode_cursor(cursor) == (HOME, 1234)
    assert position_of(cursor, HOME) == 1234
    assert position_of(None, HOME) == 0


@pytest.mark.parametrize("cursor", ["", "not-base64!", encode_cursor("43092", 1), "NDMwOTIzOi0x", "NDMwOTIz"])
def test_text_that_is_not_a_cursor_is_refused_naming_the_field_and_value(cursor: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        decode_cursor(cursor)
    assert raised.value.errors[0]["field"] == "after", raised.value.errors
    assert raised.value.errors[0]["value"] == cursor, raised.value.errors


def test_a_cursor_of_another_feed_is_refused() -> None:
    with pytest.raises(InvalidInput, match="feed of region 430921"):
        position_of(encode_cursor(PEER, 3), HOME)
