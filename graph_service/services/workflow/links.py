"""Keeping personal credit-record links current (recompute when an entry or a relevant role changes).

Links depend only on an entry's subject, act date and responsible persons, and on the roles held on the act
date; status changes do not touch them (effectiveness is decided at check time), so disputes and repairs
are visible in checks the moment the entry's status changes.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from typing import Protocol

from graph_service.domain.identifiers import is_uscc_shaped
from graph_service.domain.model import ListEntry, Relation, RelationKind, UpsertCounts
from graph_service.domain.propagation import PersonalLink, personal_links
from graph_service.store.base import GraphStore

RELINK_BATCH = 2_000


class RoleHolders(Protocol):
    """What links are computed from: a store, or a load's reads of a batch (admission's read-ahead)."""

    def role_holders(
        self, org_id: str, *, as_of: dt.date | None, roles: frozenset[RelationKind] | None = None
    ) -> list[Relation]: ...


def links_for_entry(store: RoleHolders, entry: ListEntry) -> list[PersonalLink]:
    """The personal links of one entry, from the roles held in its organisation on the act date."""
    relations = (
        store.role_holders(entry.subject_id, as_of=entry.act_date) if is_uscc_shaped(entry.subject_id) else []
    )
    return personal_links(entry, relations)


def role_holders_asked(entries: Iterable[ListEntry]) -> list[tuple[str, dt.date]]:
    """The ``(organisation, act date)`` pairs whose role holders :func:`links_for_entry` reads for these."""
    return list(dict.fromkeys((e.subject_id, e.act_date) for e in entries if is_uscc_shaped(e.subject_id)))


def relink_entries(store: GraphStore, entries: Iterable[ListEntry]) -> UpsertCounts:
    """Recompute and store the links of ``entries`` (idempotent: unchanged links are reported unchanged).

    The role holders of a batch are read at once (:meth:`~GraphStore.role_holders_of`): one read per
    entry was most of a large load's final relinking on Neo4j.
    """
    total = UpsertCounts()
    pending = iter(entries)
    while batch := list(itertools.islice(pending, RELINK_BATCH)):
        held = store.role_holders_of(role_holders_asked(batch))
        links = {
            entry.entry_id: personal_links(entry, held.get((entry.subject_id, entry.act_date), []))
            for entry in batch
        }
        total += store.replace_links(links)
    return total


def refresh_links(store: GraphStore, entry_ids: Iterable[str], org_ids: Iterable[str]) -> UpsertCounts:
    """Relink the given entries and every entry on organisations whose roles changed (after a load)."""
    orgs = sorted(set(org_ids))
    entries = {e.entry_id: e for e in store.get_entries(sorted(set(entry_ids))).values()}
    for start in range(0, len(orgs), RELINK_BATCH):
        for entry in store.entries_for(orgs[start : start + RELINK_BATCH]):
            entries.setdefault(entry.entry_id, entry)
    return relink_entries(store, entries.values())
