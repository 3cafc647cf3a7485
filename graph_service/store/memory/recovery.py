"""Loading a data directory at start: the snapshot, then the journal records after it.

See :mod:`graph_service.store.memory.journal` for the file format and what counts as a torn write.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from graph_service.errors import BackendUnavailable
from graph_service.store.memory.graph import GraphState
from graph_service.store.memory.journal import (
    JOURNAL_NAME,
    SNAPSHOT_NAME,
    JournalGap,
    ReplayResult,
    read_snapshot,
    replay_journal,
)

log = logging.getLogger(__name__)


class _SnapshotReplaced(BackendUnavailable):
    """A compaction replaced the snapshot while a reader was loading: load again."""


def load_state(data_dir: Path, *, attempts: int) -> tuple[GraphState, ReplayResult]:
    """Load snapshot then journal; ``attempts`` > 1 (readers) retries when a writer's compaction raced it.

    A reader holds no lock, so a writer may replace the snapshot and truncate the journal between the two
    reads; the reader then sees a version gap or a changed snapshot file and loads again.
    """
    for attempt in range(attempts):
        try:
            with _no_cyclic_gc():
                return _load_once(data_dir, check_race=attempts > 1)
        except (JournalGap, _SnapshotReplaced):
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector paused (process-wide) while a data dir loads.

    A load only adds objects that live on (reference counting frees its garbage), yet each of its
    millions of allocations moves the collector closer to another pass over the whole growing heap:
    ~45 % of a restart at 100k organisations. Resumed as it was, whatever the load's outcome.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_once(data_dir: Path, *, check_race: bool) -> tuple[GraphState, ReplayResult]:
    state = GraphState()
    snapshot = data_dir / SNAPSHOT_NAME
    inode: int | None = None
    try:
        with snapshot.open("rb") as f:
            inode = os.fstat(f.fileno()).st_ino
            state.version = read_snapshot(f, snapshot, state.apply)
    except FileNotFoundError:
        pass
    replay = replay_journal(data_dir / JOURNAL_NAME, after=state.version, apply=state.apply_batch)
    if check_race and _inode(snapshot) != inode:
        raise _SnapshotReplaced(f"snapshot {snapshot} was replaced while loading it (a writer compacted)")
    return state, replay


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def reload_after_failed_apply(data_dir: Path, exc: Exception) -> GraphState:
    """The state of ``data_dir`` after a journaled batch failed part-way through being applied in memory.

    The journal already holds the whole batch (it is the commit point), so the reloaded state has it
    fully applied; the failure is logged, since only a bug or an exhausted process gets here.
    """
    log.error(
        "a journaled batch failed part-way through being applied in memory (%r): reloading %s, where the "
        "journal holds the whole batch",
        exc,
        data_dir,
        exc_info=exc,
    )
    state, _ = load_state(data_dir, attempts=1)
    return state
