"""What a store's check views have decoded, kept by key beside the properties it was decoded from.

A check view carries every entry on the subjects it reaches and, with each personal link of a reached
person, the entry the link names; the masked court debtors of a checked person's name come with theirs.
The same entries come back view after view: on the 1M graph a batch of 10,000 checks decoded 180,529
entries, 6,726 of them distinct (the entries of listed organisations with many people, linked to each),
each through pydantic validation (benchmarks/results/profile-neo4j-1m-batch-decode.txt).

:class:`Decoded` answers a property map equal to the one it last decoded for the same key with the object
decoded then: equal input, equal (frozen, so shareable) output. Nothing here is a cache of the *graph*:
every view still reads every property from the server in its own statement, and a changed node, whatever
the data version or isolation, arrives as a different map and is decoded afresh. So a view is exactly what
decoding its own record would give (tests/unit/test_neo4j_decoded.py; the contract suite compares the
views with the port's ordinary reads on both backends).

Bounded: past :data:`LIMIT` keys the one decoded longest ago is dropped first (a reuse takes no lock, so
it does not make a key newer; a busy key dropped so is decoded once more). Shared by a store's threads: a
lookup is one dict operation (atomic under the GIL); what changes the dict holds a lock, so the eviction's
walk from the oldest key never meets a concurrent insert (two threads decoding one key at once decode it
twice).

Hand-written rather than ``functools.lru_cache``: the input (a property map) is not hashable, and equality
with what was decoded, not the key alone, decides a reuse.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

#: Keys a :class:`Decoded` keeps at most (entries of ~1–2 KB with their maps: tens of MB at the bound).
LIMIT = 20_000

Raw = TypeVar("Raw")
Value = TypeVar("Value")


class Decoded(Generic[Raw, Value]):
    """``decode(raw)`` by key, answered again without decoding while the same key brings an equal raw."""

    def __init__(self, decode: Callable[[Raw], Value], limit: int = LIMIT) -> None:
        self._decode = decode
        self._limit = limit
        self._held: dict[Hashable, tuple[Raw, Value]] = {}
        self._changing = threading.Lock()

    def __len__(self) -> int:
        return len(self._held)

    def get(self, key: Hashable, raw: Raw) -> Value:
        """What ``decode(raw)`` gives: the object decoded before from an equal ``raw`` under ``key``."""
        held = self._held.get(key)
        if held is not None and held[0] == raw:
            return held[1]
        value = self._decode(raw)
        with self._changing:
            self._held.pop(key, None)  # kept again as the newest
            self._held[key] = (raw, value)
            while len(self._held) > self._limit:
                del self._held[next(iter(self._held))]
        return value
