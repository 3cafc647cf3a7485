"""A load leaves the garbage collector as it found it: thresholds, and frozen or not."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_service.store.memory import MemoryStore
from tests.unit.loader_support import base_dir, run_load


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_load_unfreezes_what_it_froze_and_restores_the_threshold(unfrozen: None, tmp_path: Path) -> None:
    threshold = gc.get_threshold()
    run_load(MemoryStore(None), base_dir(tmp_path / "src"), tmp_path)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == threshold


def test_a_load_in_a_frozen_process_leaves_it_frozen(unfrozen: None, tmp_path: Path) -> None:
    gc.freeze()  # as graph-service serve does once its store is open
    store = MemoryStore(None)
    run_load(store, base_dir(tmp_path / "src"), tmp_path)
    assert gc.get_freeze_count() > 0
    assert not any(o is store for o in gc.get_objects())  # frozen objects are in no generation


def test_a_load_in_a_process_that_was_not_frozen_leaves_its_objects_collectable(
    unfrozen: None, tmp_path: Path
) -> None:
    store = MemoryStore(None)
    run_load(store, base_dir(tmp_path / "src"), tmp_path)
    assert any(o is store for o in gc.get_objects())
