"""``graph-service workflow breaches``: the 容缺受理 deadline sweep from cron (embedded store)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph_service.cli.main import app
from graph_service.config import get_settings
from graph_service.domain.commitments import Commitment, CommitmentKind
from graph_service.domain.model import ListKind
from graph_service.store.memory import MemoryStore
from tests.factories import make_org

ORG = make_org(1)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data = tmp_path / "data"
    monkeypatch.setenv("GRAPH_SERVICE_DATA_DIR", str(data))
    monkeypatch.setenv("GRAPH_SERVICE_COMMITMENT_BREACH_LIST", "black")
    monkeypatch.delenv("GRAPH_SERVICE_NEO4J_URI", raising=False)
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


def test_an_overdue_commitment_is_recorded_once_on_the_configured_list(data_dir: Path) -> None:
    with MemoryStore(data_dir) as store:
        store.upsert_organizations([ORG])
        store.save_commitment(
            Commitment(
                commitment_id="CM-1",
                subject_id=ORG.uscc,
                kind=CommitmentKind.DEFERRED_MATERIALS,
                text="承诺补齐材料",
                department="县行政审批服务局",
                materials=("消防验收意见书",),
                signed_on=dt.date(2026, 3, 1),
                due_on=dt.date(2026, 3, 31),
            )
        )
    first = CliRunner().invoke(app, ["workflow", "breaches", "--as-of", "2026-04-01"])
    assert first.exit_code == 0, first.output
    assert "CM-1 -> entry CB-CM-1" in first.output, first.output
    again = CliRunner().invoke(app, ["workflow", "breaches", "--as-of", "2026-04-02"])
    assert again.exit_code == 0 and "0 recorded" in again.output, again.output
    with MemoryStore(data_dir, read_only=True) as store:
        entry = store.get_entries(["CB-CM-1"])["CB-CM-1"]
    assert (entry.list, entry.behaviour_code) == (ListKind.BLACK, None), (
        entry
    )  # WL-COMMITMENT is a watch item
