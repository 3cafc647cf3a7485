"""The workflow's store methods on both backends: one call = one transaction, versions checked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph_service.domain.lifecycle import TaskStatus
from graph_service.domain.model import EntryStatus, ListEntry, StatusChange
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.workflow import (
    Dispute,
    DisputeStatus,
    RepairApplication,
    RepairStatus,
    Task,
    TaskFilter,
    follow_entry,
    task_id_for,
)
from graph_service.errors import Conflict, NotFound
from graph_service.store.base import GraphStore
from graph_service.store.memory import MemoryStore
from graph_service.store.workflow_port import EntryStep
from tests.factories import make_entry, make_org, make_person

AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
ORG = make_org(1)
REP = make_person(1)
OTHER = make_person(2)


def _task(entry_id: str, subject_id: str, department: str, measure_id: str = "market_ban") -> Task:
    return Task(
        task_id=task_id_for(entry_id, measure_id, subject_id, department),
        entry_id=entry_id,
        measure_id=measure_id,
        subject_id=subject_id,
        via="self" if subject_id == ORG.uscc else "legal_representative",
        department=department,
        created_on=AT.date(),
        due_on=dt.date(2026, 12, 22),
    )


def _created(store: GraphStore) -> tuple[ListEntry, list[Task]]:
    store.upsert_organizations([ORG])
    store.upsert_persons([REP, OTHER])
    entry = make_entry("E-1", ORG.uscc)
    link = PersonalLink(person_id=REP.key, entry_id="E-1", org_id=ORG.uscc, roles=("legal_representative",))
    tasks = [_task("E-1", ORG.uscc, "市场监管部门"), _task("E-1", REP.key, "市场监管部门")]
    store.write_step(EntryStep.create(entry, [link], tasks))
    return entry, tasks


def _change(entry: ListEntry, to: EntryStatus) -> tuple[ListEntry, StatusChange]:
    after = entry.model_copy(update={"status": to, "version": entry.version + 1})
    change = StatusChange(
        entry_id=entry.entry_id, from_status=entry.status, to_status=to, at=AT, actor="异议人", reason="r"
    )
    return after, change


def test_creating_an_entry_stores_it_with_history_links_and_tasks(store: GraphStore) -> None:
    entry, tasks = _created(store)
    assert store.get_entries(["E-1"]) == {"E-1": entry}
    history = store.entry_history("E-1")
    assert [(c.from_status, c.to_status) for c in history] == [(None, EntryStatus.ACTIVE)], history
    assert [link.person_id for link in store.links_of_entries(["E-1"])] == [REP.key]
    assert store.get_tasks(TaskFilter(entry_id="E-1")) == sorted(tasks, key=lambda t: t.task_id)
    assert store.get_task(tasks[0].task_id) == tasks[0]


def test_creating_an_existing_entry_is_a_conflict_and_writes_nothing(store: GraphStore) -> None:
    _created(store)
    version = store.data_version()
    extra = _task("E-1", OTHER.key, "市场监管部门")
    with pytest.raises(Conflict, match="E-1"):
        store.write_step(EntryStep.create(make_entry("E-1", ORG.uscc, reason="again"), [], [extra]))
    assert store.get_task(extra.task_id) is None
    assert store.data_version() == version


def test_creating_an_entry_with_an_unknown_responsible_person_writes_nothing(store: GraphStore) -> None:
    store.upsert_organizations([ORG])
    entry = make_entry("E-2", ORG.uscc, responsible_person_ids=(REP.key,))
    with pytest.raises(NotFound, match=REP.key):
        store.write_step(EntryStep.create(entry, [], [_task("E-2", ORG.uscc, "财政部门")]))
    assert store.get_entries(["E-2"]) == {}
    assert store.get_tasks(TaskFilter()) == []


def test_a_dispute_suspends_the_entry_and_its_tasks_in_one_call(store: GraphStore) -> None:
    entry, tasks = _created(store)
    after, change = _change(entry, EntryStatus.DISPUTED)
    dispute = Dispute(
        dispute_id="d1",
        entry_id="E-1",
        grounds="已缴清",
        filed_by="企业",
        filed_on=AT.date(),
        due_on=dt.date(2026, 11, 22),
    )
    store.write_step(
        EntryStep(after, change, tasks=follow_entry(tasks, EntryStatus.DISPUTED), dispute=dispute)
    )
    assert store.get_entries(["E-1"])["E-1"].status is EntryStatus.DISPUTED
    suspended = store.get_tasks(TaskFilter(statuses=frozenset({TaskStatus.SUSPENDED})))
    assert len(suspended) == 2, suspended
    assert {t.previous_status for t in suspended} == {TaskStatus.PENDING}
    assert store.get_disputes(entry_id="E-1") == [dispute]
    assert store.entry_history("E-1")[-1] == change


def test_a_stale_entry_version_refuses_the_whole_step(store: GraphStore) -> None:
    entry, tasks = _created(store)
    after, change = _change(entry, EntryStatus.REVOKED)
    stale = after.model_copy(update={"version": 5})
    with pytest.raises(Conflict, match="version"):
        store.write_step(EntryStep(stale, change, tasks=follow_entry(tasks, EntryStatus.REVOKED)))
    assert {t.status for t in store.get_tasks(TaskFilter())} == {TaskStatus.PENDING}
    assert store.get_entries(["E-1"])["E-1"].status is EntryStatus.ACTIVE


def test_a_stale_task_version_leaves_the_entry_unchanged(store: GraphStore) -> None:
    entry, tasks = _created(store)
    after, change = _change(entry, EntryStatus.REVOKED)
    stale = [t.model_copy(update={"status": TaskStatus.LIFTED, "version": 3}) for t in tasks]
    with pytest.raises(Conflict, match="task"):
        store.write_step(EntryStep(after, change, tasks=stale))
    assert store.get_entries(["E-1"])["E-1"].version == 1
    assert len(store.entry_history("E-1")) == 1


def test_task_feedback_needs_the_next_version(store: GraphStore) -> None:
    _, tasks = _created(store)
    answered = tasks[0].model_copy(update={"status": TaskStatus.APPLIED, "version": 2})
    store.save_task_feedback(answered)
    assert store.get_task(tasks[0].task_id) == answered
    with pytest.raises(Conflict, match="version"):
        store.save_task_feedback(answered)
    with pytest.raises(NotFound, match="nope"):
        store.save_task_feedback(answered.model_copy(update={"task_id": "nope"}))


def test_tasks_filter_by_department_and_status(store: GraphStore) -> None:
    entry, tasks = _created(store)
    extra = _task("E-1", ORG.uscc, "财政部门", measure_id="restrict_fiscal_funds")
    store.write_step(EntryStep(tasks=[extra]))
    assert store.get_tasks(TaskFilter(department="财政部门")) == [extra]
    both = store.get_tasks(TaskFilter(department="市场监管部门", statuses=frozenset({TaskStatus.PENDING})))
    assert len(both) == 2, both
    assert store.get_tasks(TaskFilter(statuses=frozenset({TaskStatus.LIFTED}))) == []


def test_repair_applications_are_stored_and_replaced_by_id(store: GraphStore) -> None:
    _created(store)
    repair = RepairApplication(
        repair_id="r1", entry_id="E-1", evidence="已整改", applied_by="企业", applied_on=AT.date()
    )
    store.write_step(EntryStep(repair=repair))
    decided = repair.model_copy(update={"status": RepairStatus.APPROVED, "decided_by": "税务局"})
    store.write_step(EntryStep(repair=decided))
    assert store.get_repairs(entry_id="E-1") == [decided]
    assert store.get_repairs(repair_id="r2") == []


def test_a_record_of_an_unknown_entry_is_not_found(store: GraphStore) -> None:
    dispute = Dispute(
        dispute_id="d9",
        entry_id="E-404",
        grounds="x",
        filed_by="y",
        filed_on=AT.date(),
        due_on=AT.date(),
        status=DisputeStatus.OPEN,
    )
    with pytest.raises(NotFound, match="E-404"):
        store.write_step(EntryStep(dispute=dispute))
    assert store.get_disputes() == []


def test_a_corrected_entry_gets_its_links_replaced_in_the_same_step(store: GraphStore) -> None:
    entry, _ = _created(store)
    corrected = entry.model_copy(
        update={"version": 2, "reason": "更正", "responsible_person_ids": (OTHER.key,)}
    )
    change = StatusChange(
        entry_id="E-1", from_status=EntryStatus.ACTIVE, to_status=EntryStatus.ACTIVE, at=AT, actor="税务局"
    )
    link = PersonalLink(person_id=OTHER.key, entry_id="E-1", org_id=ORG.uscc, responsible=True)
    store.write_step(EntryStep(corrected, change, links=[link]))
    assert store.links_of_entries(["E-1"]) == [link]
    assert store.get_entries(["E-1"])["E-1"].reason == "更正"


def test_clear_removes_workflow_records(store: GraphStore) -> None:
    _, tasks = _created(store)
    store.clear()
    assert store.get_task(tasks[0].task_id) is None
    assert store.get_tasks(TaskFilter()) == []


@pytest.mark.memory
def test_the_embedded_store_replays_workflow_records_after_a_restart(tmp_path: Path) -> None:
    with MemoryStore(tmp_path) as first:
        _, tasks = _created(first)
        first.save_task_feedback(tasks[0].model_copy(update={"status": TaskStatus.APPLIED, "version": 2}))
    with MemoryStore(tmp_path) as reopened:
        stored = reopened.get_tasks(TaskFilter(entry_id="E-1"))
    assert {t.task_id: t.status for t in stored} == {
        tasks[0].task_id: TaskStatus.APPLIED,
        tasks[1].task_id: TaskStatus.PENDING,
    }
