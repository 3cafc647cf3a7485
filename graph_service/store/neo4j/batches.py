"""Folding a write batch into one row per identity, and cutting it into chunks for ``UNWIND``.

Rows of one batch count in order (the contract both backends keep): a row repeated in the batch is
``unchanged`` if identical to the earlier one and ``updated`` otherwise. Only the first occurrence of an
identity needs the stored state to be counted, so the statements get one row per identity carrying the
first version (to count) and the last version (to write); the repeats are counted here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from graph_service.domain.model import UpsertCounts

T = TypeVar("T")
R = TypeVar("R")

#: Rows per statement run: large enough to amortise a round trip, small enough for a 512 MB heap.
CHUNK_ROWS = 5_000

#: Keys per existence check (``find_missing_*``): bare strings, so a batch of relations (two endpoints a
#: row) is checked in one round trip instead of two.
CHUNK_KEYS = 4 * CHUNK_ROWS


@dataclass(frozen=True)
class Folded(Generic[T]):
    """The first and last version of one identity within a batch."""

    first: T
    last: T

    def first_if_different(self, convert: Callable[[T], R]) -> R | None:
        """``convert(first)`` when the batch changed this identity again, else None.

        The statements read a null ``check`` as "same as ``props``": most batches hold each identity
        once, and not sending it twice halves the parameters the driver has to pack.
        """
        if self.first is self.last or self.first == self.last:
            return None
        return convert(self.first)


def fold_batch(rows: Sequence[T], key_of: Callable[[T], str]) -> tuple[list[Folded[T]], UpsertCounts]:
    """One :class:`Folded` per identity (in first-seen order) and the counts of the repeats."""
    firsts: dict[str, T] = {}
    lasts: dict[str, T] = {}
    repeats = UpsertCounts()
    for row in rows:
        key = key_of(row)
        if key not in firsts:
            firsts[key] = row
        elif lasts[key] == row:
            repeats.unchanged += 1
        else:
            repeats.updated += 1
        lasts[key] = row
    return [Folded(first, lasts[key]) for key, first in firsts.items()], repeats


def chunks(rows: Sequence[T], size: int = CHUNK_ROWS) -> Iterator[Sequence[T]]:
    """``rows`` in consecutive slices of at most ``size``."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def counts_from(outcomes: dict[str, int]) -> UpsertCounts:
    """Counts from the statements' ``outcome -> rows`` tallies."""
    return UpsertCounts(
        created=outcomes.get("created", 0),
        updated=outcomes.get("updated", 0),
        unchanged=outcomes.get("unchanged", 0),
    )
