"""The change feed's recording side, on both backends: every entry write appends its event.

Sequence numbers are compared relative to the head at the start of a test: the Neo4j store is shared by
the session and its counter, by contract, keeps growing across ``clear()``.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from graph_service.domain.feed import FeedEvent, FeedEventKind
from graph_service.domain.model import EntryStatus, ListEntry, StatusChange
from graph_service.domain.propagation import PersonalLink
from graph_service.errors import Conflict, InvalidInput
from graph_service.store.base import GraphStore
from graph_service.store.workflow_port import EntryStep
from tests.factories import make_entry, make_org, make_person, make_unresolved_person

AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
ORG = make_org(1)
REP = make_person(1)


def _head(store: GraphStore) -> int:
    return store.feed_events(0, 1).head


def _events(store: GraphStore, after: int) -> list[FeedEvent]:
    return store.feed_events(after, 10_000).events


def _step(store: GraphStore, entry: ListEntry, to: EntryStatus, **changes: object) -> ListEntry:
    after = ListEntry.model_validate(
        {**entry.model_dump(), **changes, "status": to, "version": entry.version + 1}
    )
    change = StatusChange(
        entry_id=entry.entry_id, from_status=entry.status, to_status=to, at=AT, actor="县税务局", reason="r"
    )
    store.write_step(EntryStep(after, change))
    return after


def test_each_change_of_an_entry_appends_one_event_naming_what_happened(store: GraphStore) -> None:
    base = _head(store)
    store.upsert_organizations([ORG])
    entry = make_entry("E-1", ORG.uscc)
    store.upsert_entries([entry])
    store.upsert_entries([entry])  # unchanged: no event
    corrected = entry.model_copy(update={"reason": "更正后的失信事实"})
    store.upsert_entries([corrected])
    disputed = _step(store, corrected, EntryStatus.DISPUTED)
    upheld = _step(store, disputed, EntryStatus.ACTIVE)
    repaired = _step(store, upheld, EntryStatus.REPAIRED)

    events = _events(store, base)

    assert [(e.seq - base, e.event, e.entry.version, e.entry.status) for e in events] == [
        (1, FeedEventKind.CREATED, 1, EntryStatus.ACTIVE),
        (2, FeedEventKind.CORRECTED, 1, EntryStatus.ACTIVE),
        (3, FeedEventKind.DISPUTED, 2, EntryStatus.DISPUTED),
        (4, FeedEventKind.UPHELD, 3, EntryStatus.ACTIVE),
        (5, FeedEventKind.REPAIRED, 4, EntryStatus.REPAIRED),
    ], events
    assert events[-1].entry == repaired, events[-1]
    assert all(e.origin_seq == e.seq and e.source_region is None for e in events), events
    assert events[0].change is not None and events[0].change.from_status is None, events[0]
    assert events[1].change is None, events[1]
    assert events[4].change == store.entry_history("E-1")[-1], events[4]
    assert _head(store) == base + 5


def test_a_dispute_resolved_with_corrected_fields_is_a_correction(store: GraphStore) -> None:
    base = _head(store)
    store.upsert_organizations([ORG])
    entry = make_entry("E-1", ORG.uscc)
    store.upsert_entries([entry])
    disputed = _step(store, entry, EntryStatus.DISPUTED)
    _step(store, disputed, EntryStatus.ACTIVE, valid_until=dt.date(2027, 1, 10))

    assert [e.event for e in _events(store, base)] == [
        FeedEventKind.CREATED,
        FeedEventKind.DISPUTED,
        FeedEventKind.CORRECTED,
    ]


def test_initiating_an_entry_in_the_workflow_records_its_creation_with_its_first_status(
    store: GraphStore,
) -> None:
    base = _head(store)
    store.upsert_organizations([ORG])
    store.upsert_persons([REP])
    entry = make_entry("E-1", ORG.uscc)
    link = PersonalLink(person_id=REP.key, entry_id="E-1", org_id=ORG.uscc, roles=("legal_representative",))
    store.write_step(EntryStep.create(entry, [link], []))
    _step(store, entry, EntryStatus.REVOKED)

    events = _events(store, base)

    assert [(e.event, e.entry.version) for e in events] == [
        (FeedEventKind.CREATED, 1),
        (FeedEventKind.REVOKED, 2),
    ], events
    first = events[0].change
    assert first is not None and (first.from_status, first.to_status) == (None, EntryStatus.ACTIVE), first
    assert first.actor == entry.initiating_dept, first


def test_a_refused_write_records_no_event(store: GraphStore) -> None:
    store.upsert_organizations([ORG])
    entry = make_entry("E-1", ORG.uscc)
    store.upsert_entries([entry])
    head = _head(store)
    stale = entry.model_copy(update={"status": EntryStatus.REPAIRED, "version": 5})
    change = StatusChange(
        entry_id="E-1", from_status=EntryStatus.ACTIVE, to_status=EntryStatus.REPAIRED, at=AT, actor="x"
    )

    with pytest.raises(Conflict):
        store.write_step(EntryStep(stale, change))

    assert _head(store) == head
    assert _events(store, head) == []


def test_a_batch_records_one_event_per_entry_it_changed_with_the_last_version(store: GraphStore) -> None:
    store.upsert_organizations([ORG, make_org(2)])
    store.upsert_entries([make_entry("E-2", make_org(2).uscc)])
    base = _head(store)
    first = make_entry("E-1", ORG.uscc)
    again = first.model_copy(update={"reason": "同批次再次写入"})

    store.upsert_entries([first, again, make_entry("E-2", make_org(2).uscc)])

    events = _events(store, base)
    assert [(e.event, e.entry) for e in events] == [(FeedEventKind.CREATED, again)], events


def test_resolving_a_person_records_a_correction_of_the_entries_naming_him(store: GraphStore) -> None:
    store.upsert_organizations([ORG])
    ghost = make_unresolved_person(ORG, "张三")
    store.upsert_persons([ghost])
    store.upsert_entries([make_entry("E-1", ORG.uscc, responsible_person_ids=(ghost.key,))])
    base = _head(store)

    store.resolve_person(ghost.key, make_person(7, name="张三"))

    events = _events(store, base)
    assert [(e.event, e.entry.responsible_person_ids) for e in events] == [
        (FeedEventKind.CORRECTED, (make_person(7).key,))
    ], events


def test_reading_after_a_position_pages_through_the_feed(store: GraphStore) -> None:
    base = _head(store)
    store.upsert_organizations([make_org(n) for n in range(1, 6)])
    for n in range(1, 6):
        store.upsert_entries([make_entry(f"E-{n}", make_org(n).uscc)])

    first = store.feed_events(base, 2)
    rest = store.feed_events(first.events[-1].seq, 10)

    assert [e.entry.entry_id for e in first.events] == ["E-1", "E-2"], first
    assert [e.entry.entry_id for e in rest.events] == ["E-3", "E-4", "E-5"], rest
    assert first.head == rest.head == base + 5
    assert store.feed_events(base + 5, 10).events == []


@pytest.mark.parametrize(
    ("after", "limit", "field"), [(-1, 10, "after"), (0, 0, "limit"), (0, 10_001, "limit")]
)
def test_feed_reads_refuse_a_bad_range_naming_the_argument(
    store: GraphStore, after: int, limit: int, field: str
) -> None:
    with pytest.raises(InvalidInput, match=field):
        store.feed_events(after, limit)


def test_the_numbering_goes_on_after_a_clear(store: GraphStore) -> None:
    store.upsert_organizations([ORG])
    store.upsert_entries([make_entry("E-1", ORG.uscc)])
    head = _head(store)

    store.clear()
    store.upsert_organizations([ORG])
    store.upsert_entries([make_entry("E-1", ORG.uscc)])

    assert [e.seq for e in _events(store, 0)] == [head + 1]


def test_concurrent_writers_get_distinct_gap_free_numbers(store: GraphStore) -> None:
    orgs = [make_org(n) for n in range(1, 9)]
    store.upsert_organizations(orgs)
    base = _head(store)
    errors: list[BaseException] = []

    def write(org_index: int) -> None:
        try:
            for round_ in range(3):
                entry = make_entry(f"E-{org_index}-{round_}", orgs[org_index].uscc)
                store.upsert_entries([entry])
        except BaseException as exc:  # pragma: no cover - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(len(orgs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors, errors
    events = _events(store, base)
    assert [e.seq for e in events] == list(range(base + 1, base + 25)), [e.seq for e in events]
    assert len({e.entry.entry_id for e in events}) == 24
