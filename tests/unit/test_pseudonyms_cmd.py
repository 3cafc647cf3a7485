"""The ``graph-service reindex-pseudonyms`` command."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph_service.cli.main import app
from graph_service.config import get_settings
from graph_service.store.memory import MemoryStore
from tests.factories import make_person

KEY = "federation-key-2026a-of-hunan-xx"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An embedded store with two persons, configured as the CLI's data dir."""
    monkeypatch.setenv("GRAPH_SERVICE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GRAPH_SERVICE_NEO4J_URI", raising=False)
    get_settings.cache_clear()
    with MemoryStore(tmp_path) as store:
        store.upsert_persons([make_person(1), make_person(2)])
    yield tmp_path
    get_settings.cache_clear()


def test_reindex_counts_every_person_under_the_configured_keys(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAPH_SERVICE_FEDERATION_KEYS", json.dumps({"2026a": KEY}))
    monkeypatch.setenv("GRAPH_SERVICE_FEDERATION_KEY_ID", "2026a")

    result = CliRunner().invoke(app, ["reindex-pseudonyms"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"persons": 2, "keys": ["2026a"]}


def test_reindex_without_federation_keys_exits_2(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["reindex-pseudonyms"])

    assert result.exit_code == 2, result.output
    assert "GRAPH_SERVICE_FEDERATION_KEYS" in result.output
