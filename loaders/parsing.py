"""A file's rows parsed into batches, optionally one batch ahead of the writes on a thread of its own.

Parsing is pure (:meth:`FileKind.parse`: validation, no store), so it can run while the store writes the
previous batch. On Neo4j a load's writes wait on the server most of their time (10k registry: 6.2 s of
14.7 s in ``recv``), and the client's parsing was the other half, done while the server idled. The issues
a row raises while parsing are kept with its batch (:class:`Chunk`) and written by the loading thread just
before that batch is written, so the rejects and warnings files list them in the same order as before.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from loaders.cells import Cells, Problem, RowRejected
from loaders.csvio import BadRecord, Row
from loaders.memo import IdentifierMemo
from loaders.report import FileReport
from loaders.run import FileKind, Parsed, RowSource, Run


@dataclass(slots=True)
class Chunk:
    """One batch of parsed rows, the issues its rows raised while parsing (in row order), rows read."""

    rows: list[Parsed[Any]] = field(default_factory=list)
    issues: list[tuple[bool, int, list[Problem]]] = field(default_factory=list)  # (reject?, line, problems)
    read: int = 0

    def record(self, run: Run, report: FileReport) -> None:
        """Count the rows read and write the issues, as parsing them one by one would have."""
        report.read += self.read
        for rejected, line, problems in self.issues:
            if rejected:
                run.reject(report, line, problems)
            else:
                run.warn(report, line, problems)


def chunks(
    stream: RowSource,
    kind: FileKind[Any],
    ids: IdentifierMemo,
    today: dt.date,
    batch_size: int,
    unknown_keys: set[str],
) -> Iterator[Chunk]:
    """The rows of ``stream`` parsed a batch of ``batch_size`` valid rows at a time; the last chunk may
    hold fewer (or none). Keys a JSON-lines record has that ``kind`` does not know go to ``unknown_keys``."""
    chunk = Chunk()
    for line, row in stream:
        chunk.read += 1
        if isinstance(row, BadRecord):
            chunk.issues.append((True, line, [Problem("", "", row.reason)]))
            continue
        if stream.format == "jsonl":
            unknown_keys.update(k for k in row if k not in kind.columns)
        parsed = parse(kind, row, line, ids, today, chunk.issues)
        if parsed is not None:
            chunk.rows.append(parsed)
        if len(chunk.rows) >= batch_size:
            yield chunk
            chunk = Chunk()
    yield chunk


def parse(
    kind: FileKind[Any],
    row: Row,
    line: int,
    ids: IdentifierMemo,
    today: dt.date,
    issues: list[tuple[bool, int, list[Problem]]],
) -> Parsed[Any] | None:
    """One row parsed (None if rejected); its reject and warnings appended to ``issues``."""
    clean = kind.parse_clean(row, line, ids, today)
    if clean is not None:
        return Parsed(line, row, clean)
    cells = Cells(row, line, today=today)
    try:
        value = kind.parse(cells)
    except RowRejected as exc:
        issues.append((True, line, list(exc.problems)))
        return None
    finally:
        if cells.warnings:
            issues.append((False, line, list(cells.warnings)))
    return Parsed(line, row, value)


#: How long the parsing thread waits to hand over a chunk before it looks whether it should stop.
_POLL_S = 0.1


@contextmanager
def parsed_ahead(source: Iterator[Chunk]) -> Iterator[Iterator[Chunk]]:
    """``source``'s chunks, produced by a thread at most two batches ahead of the one consuming them.

    The thread's exception is raised in the consumer at the point it happened; leaving the block early
    (a failed write) stops the thread after the chunk it is parsing, and waits for it.
    """
    handoff: queue.Queue[Chunk | BaseException | None] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def hand_over(item: Chunk | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in source:
                if not hand_over(chunk):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            hand_over(exc)
            return
        hand_over(None)

    def consume() -> Iterator[Chunk]:
        while (item := handoff.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item

    thread = threading.Thread(target=produce, name="load-parse-ahead", daemon=True)
    thread.start()
    try:
        yield consume()
    finally:
        stop.set()
        thread.join()
