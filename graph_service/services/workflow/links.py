"""Keeping personal credit-record links current (recompute when an entry or a relevant role changes).

Links depend only on an entry's subject, act date and responsible persons, and on the roles held on the act
date; status changes do not touch them (effectiveness is decided at check time), so disputes and repairs
are visible in checks the moment the entry's status changes.
"""

from __future__ import annotations

from collections.abc import Iterable

from graph_service.domain.identifiers import is_uscc_shaped
from graph_service.domain.model import ListEntry, UpsertCounts
from graph_service.domain.propagation import PersonalLink, personal_links
from graph_service.store.base import GraphStore

RELINK_BATCH = 2_000


def links_for_entry(store: GraphStore, entry: ListEntry) -> list[PersonalLink]:
    """The personal links of one entry, from the roles held in its organisation on the act date."""
    relations = (
        store.role_holders(entry.subject_id, as_of=entry.act_date) if is_uscc_shaped(entry.subject_id) else []
    )
    return personal_links(entry, relations)


def relink_entries(store: GraphStore, entries: Iterable[ListEntry]) -> UpsertCounts:
    """Recompute and store the links of ``entries`` (idempotent: unchanged links are reported unchanged)."""
    total = UpsertCounts()
    pending = iter(entries)
    while True:
        batch: dict[str, list[PersonalLink]] = {}
        # One read transaction for a batch's role lookups (one per entry): on Neo4j a transaction each
        # cost three round trips per entry, most of a large load's final relinking.
        with store.reading():
            for entry in pending:
                batch[entry.entry_id] = links_for_entry(store, entry)
                if len(batch) >= RELINK_BATCH:
                    break
        if not batch:
            return total
        total += store.replace_links(batch)


def refresh_links(store: GraphStore, entry_ids: Iterable[str], org_ids: Iterable[str]) -> UpsertCounts:
    """Relink the given entries and every entry on organisations whose roles changed (after a load)."""
    orgs = sorted(set(org_ids))
    entries = {e.entry_id: e for e in store.get_entries(sorted(set(entry_ids))).values()}
    for start in range(0, len(orgs), RELINK_BATCH):
        for entry in store.entries_for(orgs[start : start + RELINK_BATCH]):
            entries.setdefault(entry.entry_id, entry)
    return relink_entries(store, entries.values())
