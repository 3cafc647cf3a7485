"""A key is a department: it acts only as itself, and sees whom it must act on (both backends).

惩戒落实到人: the department that must restrict a person sees the person's name and full ID number in its
own tasks, and each such read is audited; it neither sees nor answers another department's tasks. An
initiator lists in its own name and for this county only; no transition moves a decision elsewhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_service.store.base import GraphStore
from tests.api.workflow_support import (
    ADMIN,
    IMPLEMENTER,
    INITIATOR,
    MARKET,
    ORG,
    REP,
    TAX,
    Workflow,
    open_workflow,
)
from tests.factories import make_entry

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def wf(store: GraphStore, tmp_path: Path) -> Iterator[Workflow]:
    with open_workflow(store, tmp_path, DAY) as opened:
        yield opened


def _body(entry_id: str, **fields: object) -> dict[str, object]:
    fields.setdefault("act_on", dt.date(2024, 1, 2))
    return make_entry(entry_id, ORG.uscc, **fields).model_dump(mode="json")


def test_an_initiator_cannot_list_in_another_departments_name(wf: Workflow) -> None:
    r = wf.client.post("/v1/entries", json=_body("E-T1", initiating_dept="测试县财政局"), headers=INITIATOR)

    assert r.status_code == 403, r.text
    assert "测试县财政局" in r.json()["detail"] and TAX in r.json()["detail"], r.json()
    assert wf.client.get("/v1/entries/E-T1", headers=ADMIN).status_code == 404


def test_the_credit_office_may_enter_any_departments_decision(wf: Workflow) -> None:
    r = wf.client.post("/v1/entries", json=_body("E-T2", initiating_dept="测试县财政局"), headers=ADMIN)

    assert r.status_code == 201, r.text
    assert r.json()["entry"]["initiating_dept"] == "测试县财政局"


def test_an_entry_created_here_is_decided_here(wf: Workflow) -> None:
    foreign = wf.client.post("/v1/entries", json=_body("E-T3", source_region="440305"), headers=INITIATOR)
    assert foreign.status_code == 403, foreign.text
    assert "440305" in foreign.json()["detail"] and "430923" in foreign.json()["detail"]
    also_for_admin = wf.client.post("/v1/entries", json=_body("E-T3", source_region="440305"), headers=ADMIN)
    assert also_for_admin.status_code == 403, also_for_admin.text

    created = wf.client.post("/v1/entries", json=_body("E-T4"), headers=INITIATOR)
    assert created.status_code == 201, created.text
    assert created.json()["entry"]["source_region"] == "430923"
    assert created.json()["history"][-1]["actor"] == TAX


def test_no_correction_moves_a_decision_to_another_region(wf: Workflow) -> None:
    wf.create("E-T5")
    dispute_id = wf.dispute("E-T5")
    r = wf.client.post(
        f"/v1/entries/E-T5/disputes/{dispute_id}/resolve",
        json={"outcome": "corrected", "reason": "更正", "changes": {"source_region": "440305"}},
        headers=INITIATOR,
    )

    assert r.status_code == 422, r.text
    assert "source_region" in r.json()["detail"]
    assert wf.client.get("/v1/entries/E-T5", headers=ADMIN).json()["entry"]["source_region"] == "430923"


def test_an_implementer_sees_and_answers_only_its_own_departments_tasks(wf: Workflow) -> None:
    state = wf.create("E-T6")
    others = [t for t in state["tasks"] if t["department"] != MARKET]
    assert others, state["tasks"]

    own = wf.client.get("/v1/tasks", headers=IMPLEMENTER)
    assert own.status_code == 200, own.text
    assert {v["task"]["department"] for v in own.json()["tasks"]} == {MARKET}
    asked_other = wf.client.get("/v1/tasks", params={"dept": others[0]["department"]}, headers=IMPLEMENTER)
    assert asked_other.status_code == 403, asked_other.text
    answer = {"outcome": "applied", "date": DAY.isoformat()}
    foreign = wf.client.post(f"/v1/tasks/{others[0]['task_id']}/feedback", json=answer, headers=IMPLEMENTER)
    assert foreign.status_code == 403, foreign.text
    assert others[0]["department"] in foreign.json()["detail"]

    stored = wf.client.get("/v1/entries/E-T6", headers=ADMIN).json()["tasks"]
    assert all(t["feedback"] is None for t in stored), stored
    every = wf.client.get("/v1/tasks", headers=ADMIN).json()["tasks"]
    assert {v["task"]["department"] for v in every} >= {MARKET, others[0]["department"]}


def test_the_acting_department_sees_whom_and_the_read_is_audited(wf: Workflow) -> None:
    wf.create("E-T7")

    views = wf.tasks()
    on_rep = [v for v in views if v["task"]["subject_id"] == REP.key]
    assert on_rep, views
    assert on_rep[0]["subject_name"] == REP.name
    disclosed = wf.audit.query(action="task.disclose", limit=100)
    assert {(r.subject_id, r.detail["task_id"]) for r in disclosed} >= {
        (REP.key, v["task"]["task_id"]) for v in on_rep
    }
    assert all(r.client == MARKET for r in disclosed), disclosed
    # The rest of the answer stays masked: the entry's responsible-person ids are not part of a task.
    entry = wf.client.get("/v1/entries/E-T7", headers=IMPLEMENTER).json()
    assert REP.key not in str(entry), entry
