"""Applying a peer's feed page, on both backends: one transaction, idempotent, never backwards."""

from __future__ import annotations

import datetime as dt

import pytest

from graph_service.domain.feed import Disposition, FeedEvent, FeedEventKind
from graph_service.domain.model import EntryStatus, ListEntry, StatusChange
from graph_service.domain.peer_batch import PeerBatch, PeerItem
from graph_service.domain.propagation import PersonalLink
from graph_service.errors import Conflict, NotFound
from graph_service.store.base import GraphStore
from tests.factories import make_entry, make_org, make_person

HOME, PEER = "430923", "430921"
AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
LISTED = make_org(50, region=PEER)
RESPONSIBLE = make_person(50, region=PEER)


def _entry(version: int = 1, status: EntryStatus = EntryStatus.ACTIVE, **kw: object) -> ListEntry:
    return make_entry(
        "430921-B-1",
        LISTED.uscc,
        source_region=PEER,
        responsible_person_ids=(RESPONSIBLE.key,),
        version=version,
        status=status,
        **kw,
    )


def _event(seq: int, entry: ListEntry, kind: FeedEventKind, origin_seq: int | None = None) -> FeedEvent:
    change = StatusChange(
        entry_id=entry.entry_id,
        from_status=None,
        to_status=entry.status,
        at=AT,
        actor="临县税务局",
        reason="r",
    )
    return FeedEvent(
        seq=seq,
        event=kind,
        entry=entry,
        source_region=entry.source_region,
        origin_seq=origin_seq or seq,
        at=AT,
        change=change,
    )


def _link(entry: ListEntry) -> PersonalLink:
    return PersonalLink(
        person_id=RESPONSIBLE.key, entry_id=entry.entry_id, org_id=LISTED.uscc, responsible=True
    )


def _batch(
    *events: FeedEvent, expected: str | None = None, cursor: str = "c-1", with_subjects: bool = True
) -> PeerBatch:
    return PeerBatch(
        peer="county-b",
        expected_cursor=expected,
        cursor=cursor,
        home_region=HOME,
        subjects=(LISTED, RESPONSIBLE) if with_subjects else (),
        items=tuple(PeerItem(event=e, links=(_link(e.entry),)) for e in events),
    )


def test_a_page_stores_entries_unknown_subjects_links_history_and_the_cursor(store: GraphStore) -> None:
    base = store.feed_events(0, 1).head
    created = _entry()

    result = store.apply_peer_batch(_batch(_event(7, created, FeedEventKind.CREATED)))

    assert result.applied == [created.entry_id] and not result.skipped, result
    assert store.get_entries([created.entry_id]) == {created.entry_id: created}
    assert set(store.get_subjects([LISTED.uscc, RESPONSIBLE.key])) == {LISTED.uscc, RESPONSIBLE.key}
    assert store.links_of_entries([created.entry_id]) == [_link(created)]
    assert [(c.from_status, c.to_status) for c in store.entry_history(created.entry_id)] == [
        (None, EntryStatus.ACTIVE)
    ]
    assert store.peer_cursor("county-b") == "c-1"
    relayed = store.feed_events(base, 10).events
    assert [(e.event, e.source_region, e.origin_seq, e.entry) for e in relayed] == [
        (FeedEventKind.CREATED, PEER, 7, created)
    ], relayed


def test_a_later_status_of_the_entry_replaces_it_and_is_recorded_in_its_history(store: GraphStore) -> None:
    store.apply_peer_batch(_batch(_event(7, _entry(), FeedEventKind.CREATED)))
    repaired = _entry(version=2, status=EntryStatus.REPAIRED)

    store.apply_peer_batch(_batch(_event(9, repaired, FeedEventKind.REPAIRED), expected="c-1", cursor="c-2"))

    assert store.get_entries([repaired.entry_id])[repaired.entry_id].status is EntryStatus.REPAIRED
    history = store.entry_history(repaired.entry_id)
    assert [(c.from_status, c.to_status, c.actor) for c in history] == [
        (None, EntryStatus.ACTIVE, repaired.initiating_dept),
        (EntryStatus.ACTIVE, EntryStatus.REPAIRED, "临县税务局"),
    ], history


def test_applying_the_same_events_again_stores_nothing_new(store: GraphStore) -> None:
    events = (
        _event(7, _entry(), FeedEventKind.CREATED),
        _event(9, _entry(2, EntryStatus.REVOKED), FeedEventKind.REVOKED),
    )
    store.apply_peer_batch(_batch(*events))
    head, version = store.feed_events(0, 1).head, store.data_version()

    result = store.apply_peer_batch(_batch(*events, expected="c-1", cursor="c-2"))

    # The first event is older than what its successor stored; the second is the stored revision itself.
    assert result.applied == [] and result.skipped == {Disposition.OLDER: 1, Disposition.DUPLICATE: 1}, result
    assert store.feed_events(0, 1).head == head
    assert len(store.entry_history("430921-B-1")) == 2
    assert store.peer_cursor("county-b") == "c-2"
    assert store.data_version() > version  # the cursor moved, in its own committed transaction


def test_an_older_revision_never_overwrites_a_newer_one(store: GraphStore) -> None:
    newer = _entry(version=3, status=EntryStatus.REPAIRED)
    store.apply_peer_batch(_batch(_event(20, newer, FeedEventKind.REPAIRED)))

    result = store.apply_peer_batch(_batch(_event(7, _entry(), FeedEventKind.CREATED), expected="c-1"))

    assert result.skipped == {Disposition.OLDER: 1}, result
    assert store.get_entries([newer.entry_id]) == {newer.entry_id: newer}


def test_a_correction_without_a_new_version_wins_by_its_later_origin_position(store: GraphStore) -> None:
    store.apply_peer_batch(_batch(_event(7, _entry(), FeedEventKind.CREATED)))
    corrected = _entry(reason="批量更正")

    result = store.apply_peer_batch(_batch(_event(8, corrected, FeedEventKind.CORRECTED), expected="c-1"))

    assert result.applied == [corrected.entry_id], result
    assert store.get_entries([corrected.entry_id])[corrected.entry_id].reason == "批量更正"


def test_several_events_of_one_entry_in_one_page_apply_in_order(store: GraphStore) -> None:
    events = (
        _event(7, _entry(), FeedEventKind.CREATED),
        _event(8, _entry(2, EntryStatus.DISPUTED), FeedEventKind.DISPUTED),
        _event(9, _entry(3, EntryStatus.REVOKED), FeedEventKind.REVOKED),
    )

    result = store.apply_peer_batch(_batch(*events))

    assert result.applied == ["430921-B-1"] * 3, result
    assert [c.to_status for c in store.entry_history("430921-B-1")] == [
        EntryStatus.ACTIVE,
        EntryStatus.DISPUTED,
        EntryStatus.REVOKED,
    ]
    assert store.get_entries(["430921-B-1"])["430921-B-1"].version == 3


def test_our_own_entries_relayed_back_and_clashing_ids_are_skipped(store: GraphStore) -> None:
    home_org = make_org(1)
    store.upsert_organizations([home_org])
    store.upsert_entries([make_entry("430921-B-1", home_org.uscc)])  # our own entry, same id
    own = make_entry("430923-B-9", home_org.uscc, source_region=HOME)

    result = store.apply_peer_batch(
        _batch(_event(7, _entry(), FeedEventKind.CREATED), _event(8, own, FeedEventKind.CREATED))
    )

    assert result.applied == [] and result.skipped == {Disposition.CLASH: 1, Disposition.OWN: 1}, result
    assert store.get_entries(["430921-B-1"])["430921-B-1"].subject_id == home_org.uscc
    assert store.get_entries(["430923-B-9"]) == {}


def test_a_moved_cursor_is_a_conflict_and_nothing_is_written(store: GraphStore) -> None:
    store.apply_peer_batch(_batch(_event(7, _entry(), FeedEventKind.CREATED)))
    head = store.feed_events(0, 1).head

    with pytest.raises(Conflict, match="county-b"):
        store.apply_peer_batch(_batch(_event(9, _entry(2, EntryStatus.REVOKED), FeedEventKind.REVOKED)))

    assert store.get_entries(["430921-B-1"])["430921-B-1"].version == 1
    assert store.peer_cursor("county-b") == "c-1"
    assert store.feed_events(0, 1).head == head


def test_an_entry_naming_a_subject_neither_stored_nor_given_is_refused_whole(store: GraphStore) -> None:
    with pytest.raises(NotFound, match=LISTED.uscc):
        store.apply_peer_batch(_batch(_event(7, _entry(), FeedEventKind.CREATED), with_subjects=False))

    assert store.peer_cursor("county-b") is None
    assert store.get_entries(["430921-B-1"]) == {}


def test_a_page_of_skipped_events_still_moves_the_cursor(store: GraphStore) -> None:
    own = make_entry("430923-B-9", make_org(1).uscc, source_region=HOME)

    store.apply_peer_batch(_batch(_event(3, own, FeedEventKind.CREATED), cursor="c-9"))

    assert store.peer_cursor("county-b") == "c-9"
