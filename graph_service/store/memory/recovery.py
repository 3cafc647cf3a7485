"""Loading a data directory at start: the snapshot, then the journal records after it.

A binary snapshot that matches the directory (:mod:`.snapshot`) stands in for ``snapshot.log`` and the
journal up to its position; otherwise ``snapshot.log`` is decoded as before. See
:mod:`graph_service.store.memory.journal` for the file format and what counts as a torn write.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from graph_service.errors import BackendUnavailable
from graph_service.store.memory import snapshot as binary_snapshot
from graph_service.store.memory.graph import GraphState
from graph_service.store.memory.journal import (
    JOURNAL_NAME,
    SNAPSHOT_NAME,
    JournalCorrupt,
    JournalGap,
    ReplayResult,
    read_snapshot,
    replay_journal,
)

log = logging.getLogger(__name__)


class _SnapshotReplaced(BackendUnavailable):
    """A compaction replaced the snapshot while a reader was loading: load again."""


class Loaded(NamedTuple):
    """A loaded data dir: the state, what the journal replay found, and the journal position its binary
    snapshot covered (None if it was loaded without one)."""

    state: GraphState
    replay: ReplayResult
    snapshot_offset: int | None


def load_state(data_dir: Path, *, attempts: int) -> Loaded:
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


def _load_once(data_dir: Path, *, check_race: bool) -> Loaded:
    cached = binary_snapshot.read(data_dir)
    if cached is not None:  # the packed state at a journal position: replay only the records after it
        try:
            return _load_from(data_dir, cached, check_race=check_race)
        except JournalCorrupt as exc:  # the journal proper decides: read from the start, as without it
            log.warning("binary snapshot of %s not used (%s): loading from the journal", data_dir, exc)
    return _load_from(data_dir, None, check_race=check_race)


def _load_from(
    data_dir: Path, cached: tuple[GraphState, binary_snapshot.Position] | None, *, check_race: bool
) -> Loaded:
    snapshot = data_dir / SNAPSHOT_NAME
    inode = _inode(snapshot)
    offset: int | None = None
    if cached is not None:
        state, offset = cached[0], cached[1].journal_offset
    else:
        state = GraphState()
        try:
            with snapshot.open("rb") as f:
                inode = os.fstat(f.fileno()).st_ino
                state.version = read_snapshot(f, snapshot, state.apply)
        except FileNotFoundError:
            inode = None
    journal = data_dir / JOURNAL_NAME
    replay = replay_journal(journal, after=state.version, apply=state.apply_batch, start=offset or 0)
    if check_race and _inode(snapshot) != inode:
        raise _SnapshotReplaced(f"snapshot {snapshot} was replaced while loading it (a writer compacted)")
    return Loaded(state, replay, offset)


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
    return load_state(data_dir, attempts=1).state
