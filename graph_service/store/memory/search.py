"""Subject search of the embedded store without a Python loop over every subject.

A search (:meth:`GraphPort.search_subjects`) matches subjects whose casefolded key starts with the
casefolded text or whose casefolded name contains it. A check of a person searches by the person's name
(possible court-debtor matches), so a scan in Python — ~0.9 µs a subject, 26 ms a person check at 10k —
was most of a check. Here the casefolded keys and names are joined into two strings, and each pair of
adjacent characters of a name indexes the names holding it: a text of two characters or more is looked
for in the names holding its rarest pair only; a key prefix (or a one-character text) is found with
``str.find`` over a joined string (C speed), positions mapping back to subjects by bisection. All of it
is rebuilt lazily on the first search after subjects changed (one pass over the subjects). The same pass
indexes the masked court debtors (``~m~<masked ID>~<name>``) by the name in their key: a check of a person
reads its namesakes among them (:meth:`SearchIndex.masked_debtors_named`) with no search at all.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator

from graph_service.domain.masked_ids import MASKED_DEBTOR_PREFIX, parse_masked_debtor_key

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
        self._key_initials: frozenset[str] = frozenset()
        self._pairs: dict[str, array[int]] = {}  # two characters -> names holding them (indexes)
        self._masked: dict[str, list[str]] = {}  # name in a masked debtor's key -> those keys, sorted

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
        found = set(self._name_hits(needle))
        if needle[0] in self._key_initials:  # a name of a check never starts a key: no search needed
            found.update(self._hits(_SEP + needle, self._key_text, self._key_starts))
        return heapq.nsmallest(limit, (self._keys[i] for i in found))

    def masked_debtors_named(self, name: str) -> list[str]:
        """The keys of the masked court debtors whose key holds ``name`` (as published), sorted.

        Every subject whose key :func:`parse_masked_debtor_key` reads with this name: what a search by the
        name finds of them, kept by that rule (any subject of that stored name is found by the search).
        """
        if self._stale:
            self._rebuild()
        return self._masked.get(name, [])

    def _name_hits(self, needle: str) -> Iterator[int]:
        """Subjects whose folded name contains ``needle``: the names holding its rarest pair of
        characters, each then tested (one-character text: a find over all the names)."""
        if len(needle) < 2:
            yield from self._hits(needle, self._name_text, self._name_starts)
            return
        candidates: list[array[int]] = []
        for i in range(len(needle) - 1):
            found = self._pairs.get(needle[i : i + 2])
            if found is None:
                return  # some pair is in no name
            candidates.append(found)
        text, starts, last = self._name_text, self._name_starts, len(self._name_starts) - 1
        for index in min(candidates, key=len):
            end = starts[index + 1] if index < last else len(text)
            if needle in text[starts[index] + 1 : end]:
                yield index

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
        self._key_initials = frozenset(key[:1] for key in folded_keys)
        self._pairs = _pairs(folded_names)
        self._masked = _masked(keys)
        self._stale = False


def _pairs(names: list[str]) -> dict[str, array[int]]:
    """Each pair of adjacent characters -> the indexes of the names holding it, ascending."""
    pairs: dict[str, array[int]] = {}
    for index, name in enumerate(names):
        for pair in {name[i : i + 2] for i in range(len(name) - 1)}:
            found = pairs.get(pair)
            if found is None:
                pairs[pair] = found = array("i")
            found.append(index)
    return pairs


def _masked(keys: list[str]) -> dict[str, list[str]]:
    """Each name in a masked debtor's key -> the keys holding it, sorted."""
    found: dict[str, list[str]] = {}
    for key in keys:
        if key.startswith(MASKED_DEBTOR_PREFIX):
            parsed = parse_masked_debtor_key(key)
            if parsed is not None:
                found.setdefault(parsed[1], []).append(key)
    for held in found.values():
        held.sort()
    return found


def _joined(items: list[str]) -> tuple[str, array[int]]:
    """Each item preceded by the separator, concatenated; and where each item's separator is."""
    starts = array("q")
    pos = 0
    for item in items:
        starts.append(pos)
        pos += 1 + len(item)
    return "".join(_SEP + item for item in items), starts
