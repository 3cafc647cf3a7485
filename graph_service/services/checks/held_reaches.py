"""What reaches a hub person, held per data version, and their part of a hit built once.

A person named by hundreds of entries' personal links (the legal representative of hundreds of listed
companies) is reached by every check that comes within two hops of one of their organisations, and each
of those checks read the same links and entries, derived the same reaches and built the same few hundred
measures of the hit again: at 1M organisations 3 % of a batch's subjects, half of its time
(benchmarks/results/profile-embedded-1m-batch.txt). What reaches a subject is a function of the stored
data, the check date and the catalog alone, and the port's :meth:`GraphPort.data_version` grows with
every committed change, so for a person with at least :data:`HUB_LINKS` links in a view it is computed
once per (data version, date, catalog) and read from here until the next write.

Only views read in one snapshot are held from (:attr:`CheckView.snapshot`: the embedded store's). Neo4j
reads with read-committed isolation: a write committing while a view is read leaves it with the new
version beside entries read before the write, fine for its own check but not for every check until the
next write; there each check derives what reaches the hub itself, as before.

Only the answer's own parts are held (frozen models shared between answers: :class:`EntryBrief`,
:class:`MeasureApplied`); each check still builds its own lists, paths and verdict. One :class:`HeldReaches`
per store (:func:`held_for`): two stores at the same version hold different data.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from graph_service.domain.measures import Catalog
from graph_service.domain.model import ListEntry
from graph_service.domain.propagation import Reach
from graph_service.services.checks.models import EntryBrief, MeasureApplied

#: A person with at least this many personal links in a view has what reaches them held (the store's
#: own threshold for holding a hub's links built is the same: ``store.memory.check_reads.HUB_LINKS``).
HUB_LINKS = 64
#: What a store's holding may keep at one data version, counted in reaches and entries held (each a few
#: hundred bytes; the 1M registry's largest hub holds ~1,200): past it, the holding starts again.
BUDGET = 100_000


@dataclass(frozen=True)
class HitParts:
    """A subject's part of a hit whoever is checked: its live entries on the hit lists, the punishments
    reaching it, and the regions whose decisions those are (:func:`related_party._origins`)."""

    entries: tuple[EntryBrief, ...]
    measures: tuple[MeasureApplied, ...]
    origins: frozenset[str]


@dataclass(frozen=True)
class PersonReaches:
    """What reaches one person on one date: as :class:`related_party.ReachState` holds it for them."""

    own_entries: tuple[ListEntry, ...]  # their live entries, by entry id
    effective: tuple[Reach, ...]  # reaches in effect: their own entries' first, then through links
    suspended: tuple[ListEntry, ...]  # entries that would reach them but are disputed
    entries: Mapping[str, ListEntry]  # every live entry seen on the way, by id
    hit: HitParts | None  # their part of a hit (None: they are none)


class HeldReaches:
    """The :class:`PersonReaches` of hub persons at the data version the last check saw."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = -1
        self._held: dict[tuple[str, dt.date, int], tuple[Catalog, PersonReaches]] = {}
        self._size = 0  # reaches and entries held, against BUDGET

    def __len__(self) -> int:
        """The persons (and dates) held now."""
        return len(self._held)

    def get(
        self,
        version: int,
        person_id: str,
        as_of: dt.date,
        catalog: Catalog,
        compute: Callable[[], PersonReaches],
    ) -> PersonReaches:
        """The person's reaches at ``version`` on ``as_of``, computed by ``compute`` unless held.

        A view of any other version than the one held for drops everything held first: a newer one
        follows a write; an older one is a read that raced a write, or a database restored from a backup
        (whose versions count again from an older number), and nothing held may answer for it.
        """
        key = (person_id, as_of, id(catalog))
        with self._lock:
            if version != self._version:
                self._version, self._held, self._size = version, {}, 0
            found = self._held.get(key)
        if found is not None and found[0] is catalog:
            return found[1]
        reaches = compute()  # outside the lock: checks of other persons go on meanwhile
        with self._lock:
            size = 1 + len(reaches.effective) + len(reaches.entries)
            if version == self._version:  # (two threads computing one person count twice: harmless)
                if self._size + size > BUDGET:
                    self._held, self._size = {}, 0
                self._held[key] = (catalog, reaches)
                self._size += size
        return reaches


_HELD: weakref.WeakKeyDictionary[object, HeldReaches] = weakref.WeakKeyDictionary()
_HELD_LOCK = threading.Lock()


def held_for(store: object) -> HeldReaches:
    """The reaches held for ``store`` (made on first use; gone with the store)."""
    held = _HELD.get(store)
    if held is None:
        with _HELD_LOCK:
            held = _HELD.setdefault(store, HeldReaches())
    return held
