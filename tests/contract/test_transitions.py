"""Entry status transitions: the history they leave and the optimistic version check."""

from __future__ import annotations

import datetime as dt

import pytest

from graph_service.domain.model import EntryStatus, ListEntry, StatusChange
from graph_service.errors import Conflict, NotFound
from graph_service.store.base import GraphStore
from graph_service.store.workflow_port import EntryStep
from tests.contract.builders import seed
from tests.factories import make_entry, make_org

AT = dt.datetime(2024, 3, 5, 9, 30, tzinfo=dt.UTC)


def _stored_entry(store: GraphStore, **kw: object) -> ListEntry:
    seed(store, org_numbers=[1])
    entry = make_entry("E-1", make_org(1).uscc, **kw)
    store.upsert_entries([entry])
    return entry


def _change(
    frm: EntryStatus | None, to: EntryStatus, at: dt.datetime = AT, reason: str | None = None
) -> StatusChange:
    return StatusChange(
        entry_id="E-1", from_status=frm, to_status=to, at=at, actor="测试县发改局", reason=reason
    )


def _next(entry: ListEntry, status: EntryStatus, version: int | None = None) -> ListEntry:
    return entry.model_copy(
        update={"status": status, "version": entry.version + 1 if version is None else version}
    )


def test_a_new_entry_starts_its_history_with_a_record_from_no_status(store: GraphStore) -> None:
    _stored_entry(store, status=EntryStatus.DISPUTED)

    history = store.entry_history("E-1")

    assert [(c.entry_id, c.from_status, c.to_status) for c in history] == [
        ("E-1", None, EntryStatus.DISPUTED)
    ]


def test_each_transition_is_appended_to_the_history_oldest_first(store: GraphStore) -> None:
    entry = _stored_entry(store)
    disputed = _next(entry, EntryStatus.DISPUTED)
    first = _change(EntryStatus.ACTIVE, EntryStatus.DISPUTED, reason="主体提出异议")
    second = _change(
        EntryStatus.DISPUTED, EntryStatus.ACTIVE, at=AT + dt.timedelta(days=10), reason="异议不成立"
    )

    store.write_step(EntryStep(disputed, first))
    store.write_step(EntryStep(_next(disputed, EntryStatus.ACTIVE), second))

    history = store.entry_history("E-1")
    assert [(c.from_status, c.to_status) for c in history] == [
        (None, EntryStatus.ACTIVE),
        (EntryStatus.ACTIVE, EntryStatus.DISPUTED),
        (EntryStatus.DISPUTED, EntryStatus.ACTIVE),
    ], history
    assert history[1:] == [first, second], history


def test_a_transition_stores_the_new_version_of_the_entry(store: GraphStore) -> None:
    entry = _stored_entry(store)
    repaired = _next(entry, EntryStatus.REPAIRED)

    store.write_step(EntryStep(repaired, _change(EntryStatus.ACTIVE, EntryStatus.REPAIRED)))

    assert store.get_entries(["E-1"]) == {"E-1": repaired}
    assert [e.status for e in store.entries_for([make_org(1).uscc])] == [EntryStatus.REPAIRED]


@pytest.mark.parametrize("version", [1, 3], ids=["stale", "skipping"])
def test_a_transition_whose_version_is_not_the_next_one_conflicts_and_changes_nothing(
    store: GraphStore, version: int
) -> None:
    entry = _stored_entry(store)
    data_version = store.data_version()

    with pytest.raises(Conflict) as caught:
        store.write_step(
            EntryStep(
                _next(entry, EntryStatus.REVOKED, version=version),
                _change(EntryStatus.ACTIVE, EntryStatus.REVOKED),
            )
        )

    assert "E-1" in str(caught.value), caught.value
    assert store.get_entries(["E-1"]) == {"E-1": entry}
    assert len(store.entry_history("E-1")) == 1
    assert store.data_version() == data_version


def test_a_second_writer_with_the_same_version_loses(store: GraphStore) -> None:
    entry = _stored_entry(store)
    store.write_step(
        EntryStep(_next(entry, EntryStatus.DISPUTED), _change(EntryStatus.ACTIVE, EntryStatus.DISPUTED))
    )

    with pytest.raises(Conflict):
        store.write_step(
            EntryStep(_next(entry, EntryStatus.REVOKED), _change(EntryStatus.ACTIVE, EntryStatus.REVOKED))
        )

    assert store.get_entries(["E-1"])["E-1"].status is EntryStatus.DISPUTED


def test_a_transition_of_an_unknown_entry_raises_not_found(store: GraphStore) -> None:
    seed(store, org_numbers=[1])
    ghost = make_entry("E-1", make_org(1).uscc, version=2, status=EntryStatus.REVOKED)

    with pytest.raises(NotFound) as caught:
        store.write_step(EntryStep(ghost, _change(EntryStatus.ACTIVE, EntryStatus.REVOKED)))

    assert "E-1" in str(caught.value), caught.value
    assert store.get_entries(["E-1"]) == {}
    assert store.entry_history("E-1") == []


def test_a_transition_advances_the_data_version(store: GraphStore) -> None:
    entry = _stored_entry(store)
    before = store.data_version()

    store.write_step(
        EntryStep(_next(entry, EntryStatus.DISPUTED), _change(EntryStatus.ACTIVE, EntryStatus.DISPUTED))
    )

    assert store.data_version() > before
