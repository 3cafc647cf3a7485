"""``graph-service serve``'s app: what it loaded frozen out of the collector, a raised young threshold."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_service.cli.serve_cmd import YOUNG_GC_THRESHOLD, served_app


@pytest.fixture
def collector_restored() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_the_served_app_freezes_what_it_loaded_and_raises_only_the_young_threshold(
    collector_restored: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gc.unfreeze()
    older = gc.get_threshold()[1:]
    monkeypatch.setenv("GRAPH_SERVICE_DATA_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("GRAPH_SERVICE_API_KEYS", json.dumps({"k": {"role": "approval", "name": "t"}}))
    monkeypatch.delenv("GRAPH_SERVICE_NEO4J_URI", raising=False)
    app = served_app()
    assert gc.get_freeze_count() > 0
    assert not any(o is app for o in gc.get_objects())  # frozen: in no generation
    assert gc.get_threshold() == (YOUNG_GC_THRESHOLD, *older)
