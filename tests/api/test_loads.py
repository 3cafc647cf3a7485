"""Uploading a department's export over HTTP (``/v1/loads``), on both backends.

A dry run answers with the summary and the reject rows and writes nothing; a confirmed load runs in the
service's own thread through the loader pipeline (entries enter the lifecycle: tasks appear), reports its
progress, serves its rejects file, and is audited; one load runs at a time.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph_service.domain.workflow import TaskFilter
from graph_service.store.base import GraphStore
from loaders.pipeline import load as real_load
from tests.api.workflow_support import ADMIN, IMPLEMENTER, INITIATOR, ORG, TAX, Workflow, open_workflow

DAY = dt.date(2025, 6, 2)
HEADER = "entry_id,subject_id,list,domain,reason,decided_on,valid_until,initiating_dept\n"
GOOD = f"UP-B-0001,{ORG.uscc},black,tax,逾期未申报,2025-05-20,2028-05-19,{TAX}\n"
BAD = f"UP-B-0002,{ORG.uscc},=HYPERLINK(1),tax,坏行,2025-05-20,2028-05-19,{TAX}\n"
EXPORT = HEADER + GOOD + BAD


@pytest.fixture
def wf(store: GraphStore, tmp_path: Path) -> Iterator[Workflow]:
    with open_workflow(store, tmp_path, DAY) as workflow:
        yield workflow


def upload(wf: Workflow, text: str = EXPORT, *, headers: dict[str, str] = INITIATOR, **params: Any) -> Any:
    params.setdefault("filename", "list_entries.csv")
    return wf.client.post("/v1/loads", params=params, content=text.encode("utf-8"), headers=headers)


def finished(wf: Workflow, load_id: str, headers: dict[str, str] = INITIATOR) -> dict[str, Any]:
    """The load's status once it is no longer running (polled as the page polls it)."""
    deadline = time.monotonic() + 30
    while True:
        r = wf.client.get(f"/v1/loads/{load_id}", headers=headers)
        assert r.status_code == 200, r.text
        status: dict[str, Any] = r.json()
        if status["state"] != "running" or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


def test_a_dry_run_shows_the_summary_and_the_reject_row_and_writes_nothing(wf: Workflow) -> None:
    r = upload(wf, dry_run=True)
    assert r.status_code == 200, r.text
    summary = r.json()
    assert (summary["dry_run"], summary["read"], summary["loaded"], summary["rejected"]) == (
        True,
        2,
        1,
        1,
    ), summary
    [reject] = summary["rejects"]
    assert (reject["line"], reject["column"]) == ("3", "list"), reject
    assert reject["value"].startswith("'="), "a formula cell comes back neutralised"
    assert wf.store.get_entries(["UP-B-0001"]) == {}, "a dry run writes nothing"
    assert [e.action for e in wf.audit.query(limit=1000)][-1] == "load.dry_run"


def test_a_confirmed_load_runs_in_the_service_and_its_entry_gets_tasks(wf: Workflow) -> None:
    r = upload(wf)
    assert r.status_code == 202, r.text
    load_id = r.json()["load_id"]
    assert r.headers["Location"] == f"/v1/loads/{load_id}"
    status = finished(wf, load_id)
    assert (status["state"], status["read"], status["rejected"]) == ("done", 2, 1), status
    assert status["summary"]["loaded"] == 1, status
    assert status["bytes_done"] == status["bytes_total"] > 0, status
    assert "UP-B-0001" in wf.store.get_entries(["UP-B-0001"])
    assert wf.store.get_tasks(TaskFilter(entry_id="UP-B-0001")), "a loaded entry enters the lifecycle"
    history = wf.client.get("/v1/entries/UP-B-0001", headers=INITIATOR).json()["history"]
    assert history[0]["actor"].startswith(TAX), history


def test_the_rejects_file_of_a_load_is_a_safe_csv(wf: Workflow) -> None:
    load_id = upload(wf).json()["load_id"]
    finished(wf, load_id)
    r = wf.client.get(f"/v1/loads/{load_id}/rejects", headers=INITIATOR)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv"), r.headers
    text = r.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "file,line,column,value,reason", text
    assert ",'=HYPERLINK(1)," in text, text


def test_a_gbk_export_sent_as_a_multipart_form_loads(wf: Workflow) -> None:
    files = {"file": ("list_entries.csv", EXPORT.encode("gbk"), "text/csv")}
    r = wf.client.post("/v1/loads", params={"encoding": "gbk"}, files=files, headers=INITIATOR)
    assert r.status_code == 202, r.text
    status = finished(wf, r.json()["load_id"])
    assert status["state"] == "done", status
    [file] = status["summary"]["files"]
    assert (file["encoding"], file["created"]) == ("gbk", 1), file
    assert wf.store.get_entries(["UP-B-0001"])["UP-B-0001"].reason == "逾期未申报"


def test_each_load_is_audited_from_upload_to_its_end(wf: Workflow) -> None:
    load_id = upload(wf).json()["load_id"]
    finished(wf, load_id)
    events = [e for e in wf.audit.query(limit=1000) if e.action.startswith("load.")]
    assert [e.action for e in events] == ["load.start", "load.finish"], events
    assert events[1].detail["load_id"] == load_id and events[1].detail["rejected"] == 1, events
    assert {e.client for e in events} == {TAX}, events


def test_a_second_load_while_one_runs_is_refused_with_409(
    wf: Workflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def slow_load(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)
        return real_load(*args, **kwargs)

    monkeypatch.setattr("graph_service.services.loads.load", slow_load)
    first = upload(wf)
    assert first.status_code == 202, first.text
    second = upload(wf)
    release.set()
    assert second.status_code == 409, second.text
    assert first.json()["load_id"] in second.json()["detail"], second.json()
    assert finished(wf, first.json()["load_id"])["state"] == "done"


def test_only_initiators_and_the_admin_upload_and_a_department_sees_its_own_loads(wf: Workflow) -> None:
    assert upload(wf, headers=IMPLEMENTER).status_code == 403
    load_id = upload(wf, headers=ADMIN).json()["load_id"]
    assert finished(wf, load_id, ADMIN)["state"] == "done"
    r = wf.client.get(f"/v1/loads/{load_id}", headers=INITIATOR)
    assert r.status_code == 404, r.text


def test_an_upload_names_a_file_the_format_knows(wf: Workflow) -> None:
    r = upload(wf, filename="entries.xlsx")
    assert r.status_code == 422, r.text
    assert "list_entries.csv" in r.json()["detail"], r.json()
    r = wf.client.post("/v1/loads", content=b"x", headers=INITIATOR)
    assert r.status_code == 422, r.text


def test_a_file_without_a_required_column_fails_the_load_and_writes_nothing(wf: Workflow) -> None:
    load_id = upload(wf, "entry_id,subject_id\nUP-1,x\n").json()["load_id"]
    status = finished(wf, load_id)
    assert status["state"] == "failed" and "list" in status["failure"], status


def test_an_upload_over_the_limit_is_refused_with_413(store: GraphStore, tmp_path: Path) -> None:
    with open_workflow(store, tmp_path, DAY, max_upload_bytes=100) as small:
        r = upload(small, EXPORT * 3)
        assert r.status_code == 413, r.text
        assert "GRAPH_SERVICE_MAX_UPLOAD_BYTES" in r.json()["detail"], r.json()
        assert upload(small, HEADER, dry_run=True).status_code == 200


def test_a_department_uploads_only_its_own_decisions_the_credit_office_any(wf: Workflow) -> None:
    other = f"UP-B-0009,{ORG.uscc},black,tax,逾期未申报,2025-05-20,2028-05-19,测试县财政局\n"

    by_tax = finished(wf, upload(wf, HEADER + other).json()["load_id"])
    assert (by_tax["state"], by_tax["rejected"]) == ("done", 1), by_tax
    assert wf.store.get_entries(["UP-B-0009"]) == {}
    rejects = wf.client.get(f"/v1/loads/{by_tax['load_id']}/rejects", headers=INITIATOR).text
    assert "测试县财政局" in rejects and TAX in rejects, rejects

    by_admin = finished(wf, upload(wf, HEADER + other, headers=ADMIN).json()["load_id"], ADMIN)
    assert (by_admin["state"], by_admin["rejected"]) == ("done", 0), by_admin
    assert "UP-B-0009" in wf.store.get_entries(["UP-B-0009"])
