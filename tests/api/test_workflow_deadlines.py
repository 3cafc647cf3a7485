"""Deadlines and expiry over HTTP on both backends, on the boundary days.

Feedback is due on the 22nd of the month after a task was created and is overdue from the 23rd; a dispute
is due 20 days after filing and overdue the day after; an entry expires the day after ``valid_until``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_service.domain.lifecycle import TaskStatus
from graph_service.domain.workflow import TaskFilter
from graph_service.services.workflow.tasks import expire
from graph_service.store.base import GraphStore
from tests.api.workflow_support import ADMIN, IMPLEMENTER, INITIATOR, MARKET, Workflow, open_workflow


@pytest.fixture
def wf(store: GraphStore, tmp_path: Path) -> Iterator[Workflow]:
    with open_workflow(store, tmp_path, dt.date(2026, 1, 31)) as opened:
        yield opened


def _ids(views: list[dict[str, object]]) -> list[str]:
    return [str(v["task"]["task_id"]) for v in views]  # type: ignore[index]


def test_a_task_created_on_31_january_is_due_on_22_february(wf: Workflow) -> None:
    state = wf.create()
    assert {t["due_on"] for t in state["tasks"]} == {"2026-02-22"}, state["tasks"]
    assert {t["created_on"] for t in state["tasks"]} == {"2026-01-31"}


def test_a_pending_task_is_in_time_on_its_due_day_and_overdue_the_day_after(wf: Workflow) -> None:
    wf.create()
    wf.clock.on("2026-02-22")
    assert wf.tasks(dept=MARKET, overdue="true") == []
    in_time = wf.tasks(dept=MARKET, overdue="false")
    assert [(v["status"], v["overdue"]) for v in in_time] == [("pending", False)] * 2, in_time

    wf.clock.on("2026-02-23")
    late = wf.tasks(dept=MARKET, overdue="true")
    assert [(v["status"], v["overdue"]) for v in late] == [("pending", True)] * 2, late
    assert _ids(late) == _ids(in_time)
    assert wf.tasks(dept=MARKET, overdue="false") == []


def test_an_answered_task_is_never_overdue(wf: Workflow) -> None:
    wf.create()
    first, second = _ids(wf.tasks(dept=MARKET))
    wf.clock.on("2026-02-10")
    answer = {"outcome": "applied", "date": "2026-02-09"}
    r = wf.client.post(f"/v1/tasks/{first}/feedback", json=answer, headers=IMPLEMENTER)
    assert r.status_code == 200, r.text
    wf.clock.on("2026-03-01")
    assert _ids(wf.tasks(dept=MARKET, overdue="true")) == [second]


def test_a_suspended_task_is_not_overdue_while_its_entry_is_disputed(wf: Workflow) -> None:
    wf.create()
    wf.clock.on("2026-02-20")
    wf.dispute()
    wf.clock.on("2026-02-23")
    assert wf.tasks(dept=MARKET, overdue="true") == []
    assert {v["status"] for v in wf.tasks(dept=MARKET)} == {"suspended"}


@pytest.mark.parametrize(
    ("created", "day_of_month", "due"),
    [
        ("2026-01-15", 31, "2026-02-28"),  # clamped to the last day of February
        ("2028-01-15", 31, "2028-02-29"),  # a leap year's February
        ("2026-12-31", 22, "2027-01-22"),  # across the year end
        ("2026-03-31", 31, "2026-04-30"),
    ],
)
def test_the_feedback_day_is_configurable_and_clamped_to_the_month_end(
    store: GraphStore, tmp_path: Path, created: str, day_of_month: int, due: str
) -> None:
    day = dt.date.fromisoformat(created)
    with open_workflow(store, tmp_path, day, feedback_day_of_month=day_of_month) as wf:
        state = wf.create()
    assert {t["due_on"] for t in state["tasks"]} == {due}, state["tasks"]


def test_a_dispute_is_due_20_days_after_filing_and_overdue_only_the_day_after(wf: Workflow) -> None:
    wf.create()
    wf.clock.on("2026-03-01")
    dispute_id = wf.dispute()
    entry = wf.client.get("/v1/entries/E-1", headers=ADMIN).json()
    assert entry["disputes"][0]["due_on"] == "2026-03-21", entry["disputes"]

    wf.clock.on("2026-03-21")
    due_day = wf.client.get("/v1/disputes", params={"overdue": "true"}, headers=INITIATOR)
    assert due_day.status_code == 200, due_day.text
    assert due_day.json()["disputes"] == []

    wf.clock.on("2026-03-22")
    late = wf.client.get("/v1/disputes", params={"overdue": "true"}, headers=INITIATOR).json()["disputes"]
    assert [(d["dispute"]["dispute_id"], d["overdue"]) for d in late] == [(dispute_id, True)]

    resolve = {"outcome": "upheld", "reason": "核实无误"}
    r = wf.client.post(f"/v1/entries/E-1/disputes/{dispute_id}/resolve", json=resolve, headers=INITIATOR)
    assert r.status_code == 200, r.text
    assert (
        wf.client.get("/v1/disputes", params={"overdue": "true"}, headers=INITIATOR).json()["disputes"] == []
    )


def test_the_dispute_period_is_configurable(store: GraphStore, tmp_path: Path) -> None:
    with open_workflow(store, tmp_path, dt.date(2026, 2, 20), dispute_days=10) as wf:
        wf.create()
        wf.dispute()
        state = wf.client.get("/v1/entries/E-1", headers=ADMIN).json()
    assert state["disputes"][0]["due_on"] == "2026-03-02", state["disputes"]


def test_an_expired_entry_shows_expired_with_lifted_tasks_before_any_job_runs(wf: Workflow) -> None:
    wf.clock.on("2026-05-01")
    wf.create(valid_until=dt.date(2026, 6, 30))
    wf.clock.on("2026-06-30")
    last_day = wf.client.get("/v1/entries/E-1", headers=ADMIN).json()
    assert (last_day["expired"], {t["status"] for t in last_day["tasks"]}) == (False, {"pending"})

    wf.clock.on("2026-07-01")
    after = wf.client.get("/v1/entries/E-1", headers=ADMIN).json()
    assert (after["expired"], {t["status"] for t in after["tasks"]}) == (True, {"lifted"}), after
    assert {v["status"] for v in wf.tasks(dept=MARKET)} == {"lifted"}
    assert wf.tasks(overdue="true") == []
    stored = {t.status for t in wf.store.get_tasks(TaskFilter(entry_id="E-1"))}
    assert stored == {TaskStatus.PENDING}, "lazy: nothing is written by reading"


def test_the_expiry_job_stores_the_lifted_tasks_and_a_second_run_changes_nothing(wf: Workflow) -> None:
    wf.clock.on("2026-05-01")
    state = wf.create(valid_until=dt.date(2026, 6, 30))
    wf.create("E-2")  # no end of validity: untouched
    assert expire(wf.store, dt.date(2026, 6, 30)).tasks == 0, "the last valid day is still enforced"

    first = expire(wf.store, dt.date(2026, 7, 1))
    assert (first.entries, first.tasks) == (1, len(state["tasks"])), first
    stored = wf.store.get_tasks(TaskFilter(entry_id="E-1"))
    assert {(t.status, t.version) for t in stored} == {(TaskStatus.LIFTED, 2)}
    assert {t.status for t in wf.store.get_tasks(TaskFilter(entry_id="E-2"))} == {TaskStatus.PENDING}
    again = expire(wf.store, dt.date(2026, 7, 2))
    assert (again.entries, again.tasks) == (0, 0), again


def test_an_expired_entry_can_no_longer_be_disputed_or_repaired_but_can_be_revoked(wf: Workflow) -> None:
    wf.clock.on("2026-05-01")
    wf.create(valid_until=dt.date(2026, 6, 30))
    wf.clock.on("2026-07-01")
    dispute = wf.client.post(
        "/v1/entries/E-1/disputes", json={"grounds": "x", "filed_by": "y"}, headers=IMPLEMENTER
    )
    assert dispute.status_code == 409, dispute.text
    assert "active (expired)" in dispute.json()["detail"] and "allowed: revoke" in dispute.json()["detail"]
    repair = wf.client.post("/v1/entries/E-1/repair", json={"evidence": "x"}, headers=IMPLEMENTER)
    assert repair.status_code == 409, repair.text
    revoke = wf.client.patch(
        "/v1/entries/E-1", json={"status": "revoked", "reason": "错列"}, headers=INITIATOR
    )
    assert revoke.status_code == 200, revoke.text
    assert revoke.json()["entry"]["status"] == "revoked"
