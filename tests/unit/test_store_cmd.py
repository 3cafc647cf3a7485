"""The ``graph-service compact`` and ``graph-service stats`` commands."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph_service.cli.main import app
from graph_service.config import get_settings
from graph_service.domain.model import ListKind
from graph_service.store.memory import MemoryStore
from graph_service.store.memory.journal import JOURNAL_NAME
from tests.factories import make_entry, make_org, make_person


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An embedded store with two organisations and a person, configured as the CLI's data dir."""
    monkeypatch.setenv("GRAPH_SERVICE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GRAPH_SERVICE_NEO4J_URI", raising=False)
    get_settings.cache_clear()
    with MemoryStore(tmp_path) as store:
        store.upsert_organizations([make_org(1), make_org(2)])
        store.upsert_persons([make_person(1)])
    yield tmp_path
    get_settings.cache_clear()


def test_stats_json_prints_the_counts_even_while_a_writer_holds_the_dir(data_dir: Path) -> None:
    with MemoryStore(data_dir):
        result = CliRunner().invoke(app, ["stats", "--json"])

    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    assert (counts["organizations"], counts["persons"], counts["regions"]) == (2, 1, 3), counts


def test_stats_prints_a_table_with_the_data_version(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["stats"])

    assert result.exit_code == 0, result.output
    assert "data version 2" in result.output and "organizations" in result.output, result.output


def test_compact_folds_the_journal_into_a_snapshot(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["compact"])

    assert result.exit_code == 0, result.output
    assert "at data version 2" in result.output, result.output
    assert (data_dir / JOURNAL_NAME).stat().st_size == 0
    with MemoryStore(data_dir) as store:
        assert (store.counts()["organizations"], store.data_version()) == (2, 2)


def test_compact_refuses_while_a_server_holds_the_writer_lock(data_dir: Path) -> None:
    with MemoryStore(data_dir):
        result = CliRunner().invoke(app, ["compact"])

    assert result.exit_code == 1, result.output
    assert "already open for writing" in result.output and str(data_dir) in result.output, result.output


def test_compact_refuses_clearly_when_the_store_is_neo4j(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAPH_SERVICE_NEO4J_URI", "bolt://127.0.0.1:7687")
    monkeypatch.setenv("GRAPH_SERVICE_NEO4J_PASSWORD", "not-used")
    get_settings.cache_clear()

    result = CliRunner().invoke(app, ["compact"])

    assert result.exit_code == 2, result.output
    assert "embedded store only" in result.output and "Neo4j" in result.output, result.output


def test_stats_prints_count_keys_as_they_are_without_emoji(data_dir: Path) -> None:
    with MemoryStore(data_dir) as store:
        store.upsert_entries([make_entry("W-1", make_org(1).uscc, list=ListKind.WATCH)])
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["stats"])

    assert result.exit_code == 0, result.output
    assert "entries:watch:active" in result.output and "⌚" not in result.output, result.output
