"""The Neo4j backend cuts a batch of workflow steps into runs whose steps can share one read: a step
starts a new run when it reads or writes what an earlier step of the run writes."""

from __future__ import annotations

import datetime as dt

from graph_service.domain.model import EntryStatus, StatusChange
from graph_service.domain.workflow import Task, task_id_for
from graph_service.store.neo4j.steps import runs
from graph_service.store.workflow_port import EntryStep
from tests.factories import make_entry, make_org

ORG = make_org(1)
AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _task(entry_id: str, version: int = 1) -> Task:
    return Task(
        task_id=task_id_for(entry_id, "market_ban", ORG.uscc, "市场监管部门"),
        entry_id=entry_id,
        measure_id="market_ban",
        subject_id=ORG.uscc,
        via="self",
        department="市场监管部门",
        created_on=AT.date(),
        due_on=dt.date(2026, 12, 22),
        version=version,
    )


def _created(entry_id: str) -> EntryStep:
    return EntryStep.create(make_entry(entry_id, ORG.uscc), tasks=[_task(entry_id)])


def _revoked(entry_id: str) -> EntryStep:
    entry = make_entry(entry_id, ORG.uscc)
    after = entry.model_copy(update={"status": EntryStatus.REVOKED, "version": 2})
    change = StatusChange(
        entry_id=entry_id,
        from_status=EntryStatus.ACTIVE,
        to_status=EntryStatus.REVOKED,
        at=AT,
        actor="县税务局",
    )
    return EntryStep(after, change)


def _sizes(steps: list[EntryStep], limit: int = 1_000) -> list[int]:
    return [len(run) for run in runs(steps, limit)]


def test_steps_on_different_entries_are_one_run() -> None:
    assert _sizes([_created(f"E-{n}") for n in range(5)]) == [5]


def test_a_step_on_an_entry_an_earlier_step_wrote_starts_a_new_run() -> None:
    steps = [_created("E-1"), _created("E-2"), _revoked("E-1"), _created("E-3")]

    assert _sizes(steps) == [2, 2]


def test_a_record_of_an_entry_an_earlier_step_created_starts_a_new_run() -> None:
    # The task's entry must be stored: the step checks it against what the steps before it wrote.
    steps = [_created("E-1"), EntryStep(tasks=[_task("E-1", version=2)])]

    assert _sizes(steps) == [1, 1]


def test_a_task_written_twice_starts_a_new_run() -> None:
    steps = [EntryStep(tasks=[_task("E-9", version=2)]), EntryStep(tasks=[_task("E-9", version=3)])]

    assert _sizes(steps) == [1, 1]


def test_runs_are_cut_at_the_limit_and_keep_every_step_in_order() -> None:
    steps = [_created(f"E-{n}") for n in range(7)]

    cut = list(runs(steps, 3))

    assert [len(run) for run in cut] == [3, 3, 1]
    assert [step for run in cut for step in run] == steps


def test_no_steps_are_no_runs() -> None:
    assert _sizes([]) == []
