"""The embedded store's feed is durable: journal replay, snapshots, clear, and torn writes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from graph_service.domain.feed import FeedEvent, FeedEventKind
from graph_service.domain.model import EntryStatus, StatusChange
from graph_service.domain.peer_batch import PeerBatch, PeerItem
from graph_service.store.memory import MemoryStore
from graph_service.store.memory.journal import JOURNAL_NAME
from graph_service.store.workflow_port import EntryStep
from tests.factories import make_entry, make_org

AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
ORG = make_org(1)
PEER_ORG = make_org(2, region="430921")


def _write_history(store: MemoryStore) -> None:
    store.upsert_organizations([ORG])
    entry = make_entry("E-1", ORG.uscc)
    store.upsert_entries([entry])
    repaired = entry.model_copy(update={"status": EntryStatus.REPAIRED, "version": 2})
    store.write_step(
        EntryStep(
            repaired,
            StatusChange(
                entry_id="E-1",
                from_status=EntryStatus.ACTIVE,
                to_status=EntryStatus.REPAIRED,
                at=AT,
                actor="x",
            ),
        )
    )


def _peer_batch(cursor: str) -> PeerBatch:
    entry = make_entry("430921-B-1", PEER_ORG.uscc, source_region="430921")
    event = FeedEvent(
        seq=4, event=FeedEventKind.CREATED, entry=entry, source_region="430921", origin_seq=4, at=AT
    )
    return PeerBatch(
        peer="county-b",
        expected_cursor=None,
        cursor=cursor,
        home_region="430923",
        subjects=(PEER_ORG,),
        items=(PeerItem(event=event),),
    )


def test_the_feed_and_peer_cursors_come_back_after_a_restart(tmp_path: Path) -> None:
    with MemoryStore(tmp_path) as store:
        _write_history(store)
        store.apply_peer_batch(_peer_batch("c-1"))
        before = store.feed_events(0, 100)

    with MemoryStore(tmp_path) as reopened:
        assert reopened.feed_events(0, 100) == before
        assert [e.event for e in before.events] == [
            FeedEventKind.CREATED,
            FeedEventKind.REPAIRED,
            FeedEventKind.CREATED,
        ]
        assert reopened.peer_cursor("county-b") == "c-1"


def test_the_feed_survives_compaction_into_a_snapshot(tmp_path: Path) -> None:
    with MemoryStore(tmp_path) as store:
        _write_history(store)
        store.apply_peer_batch(_peer_batch("c-1"))
        store.compact()
        store.upsert_entries([make_entry("E-2", ORG.uscc)])
        before = store.feed_events(0, 100)

    with MemoryStore(tmp_path) as reopened:
        assert reopened.feed_events(0, 100) == before
        assert [e.seq for e in before.events] == [1, 2, 3, 4]
        assert reopened.peer_cursor("county-b") == "c-1"


def test_the_numbering_after_a_clear_survives_a_restart(tmp_path: Path) -> None:
    with MemoryStore(tmp_path) as store:
        _write_history(store)
        store.clear()

    with MemoryStore(tmp_path) as reopened:
        assert reopened.feed_events(0, 10).head == 2
        reopened.upsert_organizations([ORG])
        reopened.upsert_entries([make_entry("E-9", ORG.uscc)])
        assert [e.seq for e in reopened.feed_events(0, 10).events] == [3]


def test_a_torn_last_write_loses_the_change_its_event_and_the_cursor_together(tmp_path: Path) -> None:
    with MemoryStore(tmp_path) as store:
        _write_history(store)
        head = store.feed_events(0, 1).head
        store.apply_peer_batch(_peer_batch("c-1"))
    journal = tmp_path / JOURNAL_NAME
    journal.write_bytes(journal.read_bytes()[:-20])  # the peer page's record, cut short by a crash

    with MemoryStore(tmp_path) as reopened:
        assert reopened.feed_events(0, 100).head == head
        assert reopened.get_entries(["430921-B-1"]) == {}
        assert reopened.peer_cursor("county-b") is None
