"""What the workspace page reads, on both backends: entries by filter with keyset paging, the credit
office's queues, one entry's feed events and allowed actions, and the page itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_service.store.base import GraphStore
from tests.api.workflow_support import ADMIN, IMPLEMENTER, INITIATOR, ORG, Workflow, open_workflow

DAY = dt.date(2024, 2, 1)


@pytest.fixture
def wf(store: GraphStore, tmp_path: Path) -> Iterator[Workflow]:
    with open_workflow(store, tmp_path, DAY) as workflow:
        workflow.create("E-1", reason="逾期未申报")
        workflow.create("E-2", list="watch", domain="finance", decided_on=dt.date(2024, 1, 20))
        workflow.create("E-3", reason="虚开发票")
        yield workflow


def ids(wf: Workflow, **params: object) -> list[str]:
    r = wf.client.get("/v1/entries", params=params, headers=INITIATOR)
    assert r.status_code == 200, r.text
    return [row["entry"]["entry_id"] for row in r.json()["entries"]]


def test_entries_are_listed_by_list_domain_date_and_text(wf: Workflow) -> None:
    assert ids(wf) == ["E-1", "E-2", "E-3"]
    assert ids(wf, list="black") == ["E-1", "E-3"]
    assert ids(wf, domain="finance") == ["E-2"]
    assert ids(wf, **{"from": "2024-01-15"}) == ["E-2"]
    assert ids(wf, q="发票") == ["E-3"]
    assert ids(wf, q=ORG.name) == ["E-1", "E-2", "E-3"], "the subject's name is searched"
    assert ids(wf, dept="另一部门") == []


def test_entries_are_paged_by_keyset(wf: Workflow) -> None:
    first = wf.client.get("/v1/entries", params={"limit": 2}, headers=INITIATOR).json()
    assert [r["entry"]["entry_id"] for r in first["entries"]] == ["E-1", "E-2"]
    assert first["next"] == "E-2", first
    rest = wf.client.get("/v1/entries", params={"limit": 2, "after": first["next"]}, headers=INITIATOR).json()
    assert ([r["entry"]["entry_id"] for r in rest["entries"]], rest["next"]) == (["E-3"], None), rest


def test_a_listed_entry_offers_the_actions_its_state_allows(wf: Workflow) -> None:
    wf.dispute("E-1")
    rows = wf.client.get("/v1/entries", headers=INITIATOR).json()["entries"]
    actions = {r["entry"]["entry_id"]: r["allowed_actions"] for r in rows}
    assert actions["E-1"] == ["correct", "revoke", "uphold"], actions
    assert actions["E-3"] == ["dispute", "repair", "revoke"], actions
    assert wf.client.get("/v1/entries", headers=IMPLEMENTER).status_code == 403


def test_the_queues_show_open_disputes_with_days_left_and_pending_repairs(wf: Workflow) -> None:
    wf.dispute("E-1")
    r = wf.client.post("/v1/entries/E-3/repair", json={"evidence": "已缴清"}, headers=INITIATOR)
    assert r.status_code == 201, r.text
    wf.clock.on(DAY + dt.timedelta(days=5))
    queues = wf.client.get("/v1/workspace/queues", headers=ADMIN).json()
    [dispute] = queues["disputes"]
    assert dispute["dispute"]["entry_id"] == "E-1" and dispute["days_left"] == 15, dispute
    assert [r["entry_id"] for r in queues["repairs"]] == ["E-3"], queues


def test_an_entry_shows_its_feed_events(wf: Workflow) -> None:
    wf.dispute("E-1")
    r = wf.client.get("/v1/workspace/entries/E-1/events", headers=INITIATOR)
    assert r.status_code == 200, r.text
    events = r.json()["events"]
    assert len(events) == 2 and {e["entry"]["entry_id"] for e in events} == {"E-1"}, events
    assert r.json()["allowed_actions"] == ["correct", "revoke", "uphold"]


def test_the_workspace_page_is_served_in_chinese(wf: Workflow) -> None:
    r = wf.client.get("/workspace")
    assert r.status_code == 200, r.text
    assert "信用工作台" in r.text and "static/workspace.js" in r.text
    assert wf.client.get("/static/workspace.js").status_code == 200
