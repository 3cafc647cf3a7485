"""Subject search of the embedded store without a Python loop over every subject.

A search (:meth:`GraphPort.search_subjects`) matches subjects whose casefolded key starts with the
casefolded text or whose casefolded name contains it. A check of a person searches by the person's name
(possible court-debtor matches), so a scan in Python — ~0.9 µs a subject, 26 ms a person check at 10k —
was most of a check. Here the casefolded keys and names are joined into two strings, searched with
``str.find`` (C speed), and positions map back to subjects by bisection. The strings are rebuilt lazily
on the first search after subjects changed (cheap next to a load: one join over the subjects).
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator

_SEP = "\x00"  # never in a key or a name, so a match never spans two of them


class SearchIndex:
    """Which subject keys a search text matches; :meth:`invalidate` after subjects changed."""

    def __init__(self, subjects: Callable[[], Iterable[tuple[str, str]]]) -> None:
        self._subjects = subjects  # (key, name) of every subject, read when rebuilding
        self._stale = True
        self._keys: list[str] = []
        self._key_text = ""
        self._key_starts = array("q")
        self._name_text = ""
        self._name_starts = array("q")

    def invalidate(self) -> None:
        self._stale = True

    def smallest(self, needle: str, limit: int) -> list[str]:
        """The ``limit`` smallest keys whose folded key starts with, or folded name contains, ``needle``.

        ``needle`` is casefolded already. Same answer as a scan testing every subject.
        """
        if not needle or _SEP in needle:
            return heapq.nsmallest(limit, self._scan(needle))
        if self._stale:
            self._rebuild()
        found = set(self._hits(_SEP + needle, self._key_text, self._key_starts))
        found.update(self._hits(needle, self._name_text, self._name_starts))
        return heapq.nsmallest(limit, (self._keys[i] for i in found))

    def _scan(self, needle: str) -> Iterator[str]:
        for key, name in self._subjects():
            if key.casefold().startswith(needle) or needle in name.casefold():
                yield key

    @staticmethod
    def _hits(needle: str, text: str, starts: array[int]) -> Iterator[int]:
        """Indexes of the joined items where ``needle`` occurs (each once)."""
        pos = text.find(needle)
        while pos >= 0:
            index = bisect_right(starts, pos) - 1
            yield index
            following = index + 1
            if following >= len(starts):
                return
            pos = text.find(needle, starts[following])

    def _rebuild(self) -> None:
        keys: list[str] = []
        folded_keys: list[str] = []
        folded_names: list[str] = []
        for key, name in self._subjects():
            keys.append(key)
            folded_keys.append(key.casefold())
            folded_names.append(name.casefold())
        self._keys = keys
        # Each item is preceded by the separator, so "separator + needle" finds key prefixes only.
        self._key_text, self._key_starts = _joined(folded_keys)
        self._name_text, self._name_starts = _joined(folded_names)
        self._stale = False


def _joined(items: list[str]) -> tuple[str, array[int]]:
    """Each item preceded by the separator, concatenated; and where each item's separator is."""
    starts = array("q")
    pos = 0
    for item in items:
        starts.append(pos)
        pos += 1 + len(item)
    return "".join(_SEP + item for item in items), starts
