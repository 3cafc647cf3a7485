"""How far each push target acknowledged the feed: stored per target, as given, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_service.errors import InvalidInput
from graph_service.store.base import GraphStore
from graph_service.store.memory import MemoryStore


def test_a_push_position_is_zero_until_set_then_what_was_set_per_target(store: GraphStore) -> None:
    assert store.push_position("hub") == 0
    version = store.data_version()

    store.set_push_position("hub", 7)
    store.set_push_position("other", 2)
    store.set_push_position("hub", 5)  # a reset target may move it back

    assert (store.push_position("hub"), store.push_position("other")) == (5, 2)
    assert store.data_version() > version


def test_a_negative_position_or_an_empty_target_is_refused(store: GraphStore) -> None:
    with pytest.raises(InvalidInput):
        store.set_push_position("hub", -1)
    with pytest.raises(InvalidInput):
        store.set_push_position("", 1)
    assert store.push_position("hub") == 0


def test_clear_forgets_the_push_positions(store: GraphStore) -> None:
    store.set_push_position("hub", 3)

    store.clear()

    assert store.push_position("hub") == 0


def test_the_embedded_store_keeps_push_positions_across_restarts_and_compaction(tmp_path: Path) -> None:
    first = MemoryStore(tmp_path)
    first.set_push_position("hub", 4)
    first.close()
    again = MemoryStore(tmp_path)
    assert again.push_position("hub") == 4
    again.compact()
    again.close()

    after_compaction = MemoryStore(tmp_path)
    try:
        assert after_compaction.push_position("hub") == 4
    finally:
        after_compaction.close()
