"""The embedded store's subject search index answers exactly what a scan of every subject answers."""

from __future__ import annotations

import heapq
import random

from graph_service.store.memory.search import SearchIndex


def test_the_search_index_agrees_with_a_scan_on_random_keys_names_and_texts() -> None:
    rng = random.Random(1)
    chars = "王伟张李ABcx19~m|"

    def text(low: int, high: int) -> str:
        return "".join(rng.choice(chars) for _ in range(rng.randint(low, high)))

    subjects = list({text(1, 6): text(1, 6) for _ in range(3000)}.items())
    index = SearchIndex(lambda: subjects)
    for _ in range(2000):
        needle, limit = text(0, 4).casefold(), rng.choice([1, 5, 50, 10_000])
        scan = (k for k, name in subjects if k.casefold().startswith(needle) or needle in name.casefold())
        assert index.smallest(needle, limit) == heapq.nsmallest(limit, scan), (needle, limit)


def test_the_search_index_sees_subjects_changed_after_it_was_built() -> None:
    subjects = [("A1", "王伟")]
    index = SearchIndex(lambda: subjects)
    assert index.smallest("王伟", 10) == ["A1"]
    subjects.append(("B2", "张王伟"))
    assert index.smallest("王伟", 10) == ["A1"]  # not told: still the state it was built from
    index.invalidate()
    assert index.smallest("王伟", 10) == ["A1", "B2"]
