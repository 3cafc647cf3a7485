"""A load's lifecycle reads for a batch of entries, made ahead in one go instead of row by row.

Admitting a loaded entry (:mod:`.intake`) reads its stored version, the entries on its subject (the red
and black exclusion) and its organisation's role holders on the act date (its personal links): three
small reads a row, each a round trip on Neo4j (1,689 statements in 607 transactions for the 607 entries
of the 10k benchmark). :class:`BatchReads` reads them for every row of a batch at once, three statements
in one read transaction, and answers the row's reads from what it read (:class:`.steps.LifecycleReads`).

It answers exactly what the store would at the time of the row, because the only writes in between are
the batch's own held steps (:class:`.intake.StepBuffer`): when they are written, :meth:`forget` drops
what they touched (their entries and subjects) and :meth:`read_ahead` reads it again for the rows still
to come. A question it has not read (another shape, another subject, a task) goes to the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from graph_service.domain.model import EntryFilter, ListEntry, Relation, RelationKind
from graph_service.domain.workflow import Task, TaskFilter
from graph_service.services.workflow.links import role_holders_asked
from graph_service.store.base import GraphStore


class BatchReads:
    """The stored entries, subjects' entries and role holders of a batch of entries, read ahead."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._stored: dict[str, ListEntry | None] = {}  # entry id -> stored entry (None: not stored)
        self._on: dict[str, list[ListEntry]] = {}  # subject key -> its entries, by entry id
        self._holders: dict[tuple[str, dt.date | None], list[Relation]] = {}  # (org, day) -> holders

    def knows(self, entry: ListEntry) -> bool:
        """Whether every read the admission of ``entry`` makes first has been read ahead."""
        return (
            entry.entry_id in self._stored
            and entry.subject_id in self._on
            and all(pair in self._holders for pair in role_holders_asked([entry]))
        )

    def read_ahead(self, entries: Sequence[ListEntry]) -> None:
        """Read what admitting ``entries`` asks and is not held yet (one read transaction)."""
        ids = [e.entry_id for e in entries if e.entry_id not in self._stored]
        subjects = list(dict.fromkeys(e.subject_id for e in entries if e.subject_id not in self._on))
        asks = [pair for pair in role_holders_asked(entries) if pair not in self._holders]
        if not (ids or subjects or asks):
            return
        with self._store.reading():
            stored = self._store.get_entries(ids) if ids else {}
            on = self._store.entries_for(subjects) if subjects else []
            holders = self._store.role_holders_of(asks) if asks else {}
        for entry_id in ids:
            self._stored[entry_id] = stored.get(entry_id)
        for subject in subjects:
            self._on[subject] = []
        for entry in on:  # sorted by entry id, so each subject's list is too
            self._on[entry.subject_id].append(entry)
        self._holders.update(holders)

    def forget(self, keys: Iterable[str]) -> None:
        """Drop what was read of these entry ids and subject keys (steps touching them were written)."""
        for key in keys:
            self._stored.pop(key, None)
            self._on.pop(key, None)

    # ---- LifecycleReads: the store's answers, from what was read ahead where it can -------------------

    def get_entries(self, entry_ids: Iterable[str]) -> dict[str, ListEntry]:
        ids = list(dict.fromkeys(entry_ids))
        if not all(entry_id in self._stored for entry_id in ids):
            return self._store.get_entries(ids)
        return {entry_id: e for entry_id in ids if (e := self._stored[entry_id]) is not None}

    def entries_for(self, subject_ids: Iterable[str], flt: EntryFilter | None = None) -> list[ListEntry]:
        keys = list(dict.fromkeys(subject_ids))
        if flt is not None or len(keys) != 1 or keys[0] not in self._on:
            return self._store.entries_for(keys, flt)  # not a shape the lifecycle asks: the store's answer
        return list(self._on[keys[0]])

    def role_holders(
        self, org_id: str, *, as_of: dt.date | None, roles: frozenset[RelationKind] | None = None
    ) -> list[Relation]:
        found = self._holders.get((org_id, as_of)) if roles is None else None
        if found is None:
            return self._store.role_holders(org_id, as_of=as_of, roles=roles)
        return list(found)

    def get_tasks(self, flt: TaskFilter) -> list[Task]:
        return self._store.get_tasks(flt)
