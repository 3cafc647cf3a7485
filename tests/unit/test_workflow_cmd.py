"""``graph-service report`` and ``graph-service workflow expire|deliver|dead-letters`` (embedded store)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph_service.cli.main import app
from graph_service.config import get_settings
from graph_service.services.checks.catalog import load_catalog
from graph_service.services.workflow import entries as workflow
from graph_service.services.workflow.state import Policy
from graph_service.store.memory import MemoryStore
from tests.api.stats_fixture import FIN, MARKET, write_fixture
from tests.api.webhook_receiver import receiver
from tests.factories import make_entry, make_org

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty embedded store under ``tmp_path/data``, configured as the CLI's data dir."""
    data = tmp_path / "data"
    monkeypatch.setenv("GRAPH_SERVICE_DATA_DIR", str(data))
    monkeypatch.delenv("GRAPH_SERVICE_NEO4J_URI", raising=False)
    monkeypatch.delenv("GRAPH_SERVICE_WEBHOOKS", raising=False)
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


def _csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_report_writes_the_month_as_csv_and_a_feedback_rate_chart(data_dir: Path, tmp_path: Path) -> None:
    with MemoryStore(data_dir) as store:
        write_fixture(store)
    out = tmp_path / "report"
    result = CliRunner().invoke(
        app, ["report", "--month", "2026-10", "--out", str(out), "--as-of", "2026-11-23"]
    )

    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "departments.csv",
        "entries.csv",
        "feedback_rate.svg",
        "summary.csv",
    ]
    summary = dict(_csv(out / "summary.csv")[1:])
    assert {
        k: summary[k] for k in ("entries_initiated", "tasks_pushed", "feedback_rate", "tasks_overdue")
    } == {
        "entries_initiated": "3",
        "tasks_pushed": "4",
        "feedback_rate": "0.6667",
        "tasks_overdue": "1",
    }
    assert (summary["disputes_opened"], summary["repairs_approved"], summary["feedback_applied"]) == (
        "2",
        "1",
        "1",
    )
    assert (out / "summary.csv").read_bytes().startswith(b"\xef\xbb\xbf"), "BOM: spreadsheets read UTF-8"
    assert _csv(out / "entries.csv") == [
        ["维度 (dimension)", "取值 (value)", "条目数 (count)"],
        ["list", "black", "2"],
        ["list", "red", "1"],
        ["domain", "environment", "1"],
        ["domain", "tax", "2"],
    ]
    assert _csv(out / "departments.csv") == [
        [
            "实施部门 (department)",
            "推送数 (pushed)",
            "已反馈 (received)",
            "应反馈 (expected)",
            "反馈率 (rate)",
            "逾期 (overdue)",
        ],
        [MARKET, "2", "1", "1", "1.0000", "1"],
        [FIN, "2", "1", "2", "0.5000", "0"],
    ]
    chart = ET.parse(out / "feedback_rate.svg").getroot()
    bars = [
        (bar.findtext(f"{SVG}title"), bar.get("width"))
        for bar in chart.iter(f"{SVG}rect")
        if bar.get("class") == "bar"
    ]
    assert bars == [(f"{MARKET}: 100.0%", "400.0"), (f"{FIN}: 50.0%", "200.0")], bars
    labels = [text.text for text in chart.iter(f"{SVG}text")]
    assert "实施部门反馈率 2026-10" in labels and MARKET in labels and "50.0%" in labels, labels


def test_report_refuses_a_month_that_is_not_yyyy_mm(data_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", "--month", "2026-13", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2, result.output
    assert "2026-13" in result.output and "--month" in result.output


def _listed_entry(data_dir: Path, *, push_to: frozenset[str] = frozenset(), **fields: object) -> int:
    """E-1 on an organisation, initiated on 2026-05-01 through the workflow; returns its task count."""
    org = make_org(1)
    with MemoryStore(data_dir) as store:
        store.upsert_organizations([org])
        state = workflow.create_entry(
            store,
            load_catalog(None),
            make_entry("E-1", org.uscc, **fields),
            today=dt.date(2026, 5, 1),
            policy=Policy(push_to=push_to),
        )
    return len(state.tasks)


def test_workflow_expire_lifts_the_tasks_once_and_a_second_run_finds_nothing(data_dir: Path) -> None:
    tasks = _listed_entry(data_dir, valid_until=dt.date(2026, 6, 30))
    assert tasks > 0
    first = CliRunner().invoke(app, ["workflow", "expire", "--as-of", "2026-07-01"])
    assert first.exit_code == 0, first.output
    assert f"lifted {tasks} tasks of 1 entries" in first.output
    second = CliRunner().invoke(app, ["workflow", "expire", "--as-of", "2026-07-02"])
    assert "lifted 0 tasks of 0 entries" in second.output, second.output


def test_workflow_expire_refuses_while_a_server_holds_the_store(data_dir: Path) -> None:
    _listed_entry(data_dir)
    with MemoryStore(data_dir):
        result = CliRunner().invoke(app, ["workflow", "expire"])
    assert result.exit_code == 1, result.output
    assert "error:" in result.output


def test_workflow_deliver_pushes_the_due_deliveries_signed(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "cli-secret-0123456789"
    with receiver() as hook:
        monkeypatch.setenv(
            "GRAPH_SERVICE_WEBHOOKS", json.dumps({MARKET: {"url": hook.url, "secret": secret}})
        )
        get_settings.cache_clear()
        _listed_entry(data_dir, push_to=frozenset({MARKET}))
        result = CliRunner().invoke(app, ["workflow", "deliver"])
        letters = CliRunner().invoke(app, ["workflow", "dead-letters"])
    assert result.exit_code == 0, result.output
    assert "delivered 1, to retry 0, dead 0" in result.output
    assert [r.signature_verifies(secret) for r in hook.received] == [True]
    assert "0 dead letters" in letters.output, letters.output
