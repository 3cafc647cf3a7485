"""The webhook outbox and entry pages in the store contract, on both backends.

Deliveries are written in the same call as the task changes they push (all or nothing), start at version
1, and change only to their next version; entry pages are keyset-paged by id and filtered like entries.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph_service.domain.lifecycle import TaskStatus
from graph_service.domain.model import EntryFilter, EntryStatus, ListKind
from graph_service.domain.webhooks import Delivery, DeliveryStatus, claimed, failed, new_delivery, succeeded
from graph_service.domain.workflow import Task, lift, task_id_for
from graph_service.errors import Conflict, InvalidInput, NotFound
from graph_service.store.base import GraphStore
from graph_service.store.memory import MemoryStore
from graph_service.store.workflow_port import EntryStep
from tests.factories import make_entry, make_org

AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
ORG = make_org(1)
MARKET = "市场监管部门"
PENDING = frozenset({DeliveryStatus.PENDING})


def _task(entry_id: str = "E-1", department: str = MARKET) -> Task:
    return Task(
        task_id=task_id_for(entry_id, "market_ban", ORG.uscc, department),
        entry_id=entry_id,
        measure_id="market_ban",
        subject_id=ORG.uscc,
        via="self",
        department=department,
        created_on=AT.date(),
        due_on=dt.date(2026, 12, 22),
    )


def _push(before: Task | None, after: Task) -> Delivery:
    delivery = new_delivery(before, after, AT)
    assert delivery is not None
    return delivery


def _created(store: GraphStore) -> tuple[Task, Delivery]:
    store.upsert_organizations([ORG])
    task = _task()
    delivery = _push(None, task)
    store.write_step(EntryStep.create(make_entry("E-1", ORG.uscc), [], [task], deliveries=[delivery]))
    return task, delivery


def test_a_new_entry_stores_the_pushes_of_its_tasks(store: GraphStore) -> None:
    task, delivery = _created(store)
    assert store.get_deliveries() == [delivery]
    assert store.get_deliveries(statuses=PENDING, delivery_id=delivery.delivery_id) == [delivery]
    assert store.get_deliveries(statuses=frozenset({DeliveryStatus.DEAD})) == []
    assert (delivery.event.value, delivery.task) == ("task.created", task)


def test_a_step_refused_for_a_stale_task_writes_no_push(store: GraphStore) -> None:
    task, first = _created(store)
    stale = task.model_copy(update={"status": TaskStatus.LIFTED, "version": 3})
    with pytest.raises(Conflict, match="task"):
        store.write_step(EntryStep(tasks=[stale], deliveries=[_push(task, stale)]))
    assert store.get_deliveries() == [first]
    assert store.get_task(task.task_id) == task


def test_a_push_written_twice_is_a_conflict_and_the_step_writes_nothing(store: GraphStore) -> None:
    task, first = _created(store)
    lifted = lift([task])
    with pytest.raises(Conflict, match=first.delivery_id):
        store.write_step(EntryStep(tasks=lifted, deliveries=[first]))
    assert store.get_task(task.task_id) == task, "the task change went with the refused push"
    store.write_step(EntryStep(tasks=lifted, deliveries=[_push(task, lifted[0])]))
    assert sorted(d.event.value for d in store.get_deliveries(statuses=PENDING)) == [
        "task.created",
        "task.lifted",
    ]


def test_a_push_of_an_unknown_entry_is_not_found(store: GraphStore) -> None:
    _created(store)
    orphan = _push(None, _task("E-404"))
    with pytest.raises(NotFound, match="E-404"):
        store.write_step(EntryStep(deliveries=[orphan]))
    assert len(store.get_deliveries()) == 1


def test_a_delivery_changes_only_to_its_next_version(store: GraphStore) -> None:
    _, delivery = _created(store)
    lease = claimed(delivery, AT + dt.timedelta(minutes=1))
    store.save_delivery(lease)
    with pytest.raises(Conflict, match="another sender"):
        store.save_delivery(lease)  # a second sender holding the same version loses
    retry = failed(lease, AT, "HTTP 500", max_attempts=3, base_s=30, cap_s=600)
    store.save_delivery(retry)
    with pytest.raises(Conflict, match="must be 4, got 5"):
        store.save_delivery(succeeded(retry, AT).model_copy(update={"version": 5}))
    assert store.get_deliveries() == [retry]
    assert (retry.attempts, retry.next_attempt_at, retry.version) == (1, AT + dt.timedelta(seconds=30), 3)
    with pytest.raises(NotFound, match="nope"):
        store.save_delivery(retry.model_copy(update={"delivery_id": "nope", "version": 4}))


def test_clear_removes_the_outbox(store: GraphStore) -> None:
    _created(store)
    store.clear()
    assert store.get_deliveries() == []


def _entries(store: GraphStore) -> None:
    store.upsert_organizations([ORG])
    store.upsert_entries(
        [
            make_entry("E-01", ORG.uscc),
            make_entry("E-02", ORG.uscc, list=ListKind.RED),
            make_entry("E-03", ORG.uscc, status=EntryStatus.REVOKED),
            make_entry("E-04", ORG.uscc, valid_until=dt.date(2026, 6, 30)),
            make_entry("E-05", ORG.uscc, decided_on=dt.date(2026, 7, 1)),
        ]
    )


def _ids(
    store: GraphStore, flt: EntryFilter | None = None, after: str | None = None, limit: int = 100
) -> list[str]:
    return [e.entry_id for e in store.list_entries(flt, after=after, limit=limit)]


def test_entry_pages_follow_the_id_order_after_a_cursor(store: GraphStore) -> None:
    _entries(store)
    assert _ids(store) == ["E-01", "E-02", "E-03", "E-04", "E-05"]
    assert _ids(store, limit=2) == ["E-01", "E-02"]
    assert _ids(store, after="E-02", limit=2) == ["E-03", "E-04"]
    assert _ids(store, after="E-05") == []
    assert _ids(store, limit=0) == []
    with pytest.raises(InvalidInput, match="limit"):
        store.list_entries(None, limit=-1)


def test_entry_pages_filter_by_list_status_and_validity_with_both_ends_included(store: GraphStore) -> None:
    _entries(store)
    active = frozenset({EntryStatus.ACTIVE})
    assert _ids(store, EntryFilter(lists=frozenset({ListKind.RED}))) == ["E-02"]
    assert _ids(store, EntryFilter(statuses=active), after="E-01", limit=2) == ["E-02", "E-04"]
    assert _ids(store, EntryFilter(in_validity_on=dt.date(2026, 6, 30))) == ["E-01", "E-02", "E-03", "E-04"]
    assert _ids(store, EntryFilter(in_validity_on=dt.date(2026, 7, 1))) == ["E-01", "E-02", "E-03", "E-05"]


@pytest.mark.memory
def test_the_embedded_store_keeps_the_outbox_across_a_restart(tmp_path: Path) -> None:
    with MemoryStore(tmp_path) as first:
        _, delivery = _created(first)
        first.save_delivery(claimed(delivery, AT))
    with MemoryStore(tmp_path) as reopened:
        assert [(d.delivery_id, d.version) for d in reopened.get_deliveries()] == [(delivery.delivery_id, 2)]
