"""Transaction functions of the batch upserts, each run as ONE managed write transaction.

Every function first checks that all referenced subjects are stored (raising ``NotFound`` before anything
is written, so the transaction rolls back empty), then runs its statement over ``UNWIND`` chunks, and
finally advances the data version if the batch created or updated anything. They are idempotent and read
every result to its end, as the driver's retry logic requires.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from neo4j import ManagedTransaction

from cypher import query
from graph_service.domain.model import ListEntry, Organization, Person, Relation, StatusChange, UpsertCounts
from graph_service.domain.penalty import PenaltyRecord
from graph_service.errors import NotFound
from graph_service.store.neo4j import mapping
from graph_service.store.neo4j.batches import CHUNK_KEYS, Folded, chunks, counts_from, fold_batch
from graph_service.store.neo4j.feed_record import recorded
from graph_service.store.neo4j.mapping import Props


def upsert_organizations(tx: ManagedTransaction, rows: Sequence[Organization]) -> UpsertCounts:
    folded, repeats = fold_batch(rows, lambda row: row.key)
    payload = [
        {
            "key": pair.last.key,
            "check": pair.first_if_different(mapping.organization_props),
            "check_label": pair.first_if_different(mapping.organization_label),
            "props": mapping.organization_props(pair.last),
            "label": mapping.organization_label(pair.last),
        }
        for pair in folded
    ]
    upsert_regions(tx, {pair.last.region for pair in folded if pair.last.region})
    return finish(tx, run_upsert(tx, "upsert_organizations", payload) + repeats)


def upsert_persons(tx: ManagedTransaction, rows: Sequence[Person]) -> UpsertCounts:
    folded, repeats = fold_batch(rows, lambda row: row.key)
    upsert_regions(tx, {pair.last.region for pair in folded if pair.last.region})
    return finish(tx, run_upsert(tx, "upsert_persons", person_payload(folded)) + repeats)


def person_payload(folded: Sequence[Folded[Person]]) -> list[Props]:
    return [
        {
            "key": pair.last.key,
            "check": pair.first_if_different(mapping.person_props),
            "props": mapping.person_props(pair.last),
            "labels": mapping.person_labels(pair.last),
        }
        for pair in folded
    ]


def upsert_relations(tx: ManagedTransaction, rows: Sequence[Relation]) -> UpsertCounts:
    wanted: dict[str, str] = {}
    for row in rows:
        wanted.setdefault(row.source_id, "source_id")
        wanted.setdefault(row.target_id, "target_id")
    require_subjects(tx, wanted, "relation endpoints")
    folded, repeats = fold_batch(rows, lambda row: row.key)
    payload = [
        {
            **mapping.relation_row(pair.last),
            "check": pair.first_if_different(mapping.relation_props),
        }
        for pair in folded
    ]
    return finish(tx, run_upsert(tx, "upsert_relations", payload) + repeats)


def upsert_entries(
    tx: ManagedTransaction,
    rows: Sequence[ListEntry],
    now: dt.datetime,
    *,
    first: Mapping[str, StatusChange] | None = None,
) -> UpsertCounts:
    """Upsert entries; a created entry's first history record is ``first[entry_id]`` if given."""
    require_entry_links(tx, rows)
    folded, repeats = fold_batch(rows, lambda row: row.entry_id)
    # The change feed: one event per entry this batch changes, in this transaction.
    counts = recorded(
        tx,
        rows,
        lambda: run_upsert(tx, "upsert_entries", entry_payload(folded, first), now=now),
        now=now,
        changes=first,
    )
    return finish(tx, counts + repeats)


def entry_payload(
    folded: Sequence[Folded[ListEntry]], first: Mapping[str, StatusChange] | None = None
) -> list[Props]:
    named = first or {}
    return [
        {
            "entry_id": pair.last.entry_id,
            "check": pair.first_if_different(mapping.entry_props),
            "props": mapping.entry_props(pair.last),
            # The first history record of a created entry describes the batch's first version of it.
            "first_status": pair.first.status.value,
            "first_actor": _first_actor(named, pair.first),
            "first_reason": _first_reason(named, pair.first),
        }
        for pair in folded
    ]


def _first_actor(named: Mapping[str, StatusChange], entry: ListEntry) -> str:
    change = named.get(entry.entry_id)
    return entry.initiating_dept if change is None else change.actor


def _first_reason(named: Mapping[str, StatusChange], entry: ListEntry) -> str | None:
    change = named.get(entry.entry_id)
    return None if change is None else change.reason


def require_entry_links(tx: ManagedTransaction, rows: Sequence[ListEntry]) -> None:
    wanted: dict[str, str] = {}
    for row in rows:
        wanted.setdefault(row.subject_id, "subject_id")
        for person in row.responsible_person_ids:
            wanted.setdefault(person, "responsible_person_ids")
    require_subjects(tx, wanted, "entry subjects or responsible persons")


def upsert_penalties(tx: ManagedTransaction, rows: Sequence[PenaltyRecord]) -> UpsertCounts:
    wanted: dict[str, str] = {}
    for row in rows:
        wanted.setdefault(row.subject_id, "subject_id")
    require_subjects(tx, wanted, "penalty subjects")
    folded, repeats = fold_batch(rows, lambda row: row.key)
    payload = [
        {
            "key": pair.last.key,
            "check": pair.first_if_different(mapping.penalty_props),
            "props": mapping.penalty_props(pair.last),
        }
        for pair in folded
    ]
    return finish(tx, run_upsert(tx, "upsert_penalties", payload) + repeats)


# ---- shared steps ------------------------------------------------------------------------------------


def require_subjects(tx: ManagedTransaction, wanted: dict[str, str], what: str) -> None:
    """Raise ``NotFound`` naming every key of ``wanted`` (key -> field that named it) not stored."""
    require_stored(tx, "find_missing_subjects", wanted, what)


def require_stored(tx: ManagedTransaction, statement: str, wanted: dict[str, str], what: str) -> None:
    """Raise ``NotFound`` naming every key of ``wanted`` that ``statement`` reports missing, in order."""
    raise_missing(wanted, missing_keys(tx, statement, list(wanted)), what)


def missing_keys(tx: ManagedTransaction, statement: str, keys: Sequence[str]) -> set[str]:
    """The keys a ``find_missing_*`` statement reports as not stored."""
    missing: set[str] = set()
    for chunk in chunks(keys, CHUNK_KEYS):
        record = tx.run(query(statement), keys=list(chunk)).single(strict=True)
        missing.update(record["missing"])
    return missing


def raise_missing(wanted: dict[str, str], missing: set[str], what: str) -> None:
    """``NotFound`` naming each missing key with the field that named it (as ``wanted`` orders them)."""
    if not missing:
        return
    absent = {key: field for key, field in wanted.items() if key in missing}
    names = ", ".join(f"{key} ({field})" for key, field in absent.items())
    raise NotFound(
        f"{what} not stored: {names}; nothing of the batch was written",
        errors=[{"field": field, "value": key, "reason": "not stored"} for key, field in absent.items()],
    )


def upsert_regions(tx: ManagedTransaction, codes: set[str]) -> None:
    """Merge the regions of ``codes`` and their ancestors, so subjects can link to them."""
    rows = mapping.region_rows(codes)
    for chunk in chunks(rows):
        tx.run(query("upsert_regions"), regions=list(chunk)).consume()


def run_upsert(
    tx: ManagedTransaction, statement: str, payload: Sequence[Props], **params: Any
) -> UpsertCounts:
    """Run an upsert statement over ``payload`` in chunks; the counts of its ``outcome`` column."""
    outcomes: Counter[str] = Counter()
    for chunk in chunks(payload):
        for record in tx.run(query(statement), rows=list(chunk), **params):
            outcomes[record["outcome"]] += record["rows"]
    return counts_from(outcomes)


#: The transactions that have advanced the data version (weakly held: a transaction object goes with its
#: attempt). One advance per transaction is all a reader can see: the version only changes at commit.
_ADVANCED: weakref.WeakSet[ManagedTransaction] = weakref.WeakSet()


def bump_data_version(tx: ManagedTransaction) -> None:
    """Advance the data version, once per transaction however many of its steps changed something.

    A workflow batch runs hundreds of steps in one transaction, each of which used to advance it two or
    three times (entry, links, step): one round trip each for nothing another transaction could see.
    The first call takes the counter's write lock where it always did; later ones are skipped.
    """
    if tx in _ADVANCED:
        return
    tx.run(query("bump_data_version")).consume()
    _ADVANCED.add(tx)


def finish(tx: ManagedTransaction, counts: UpsertCounts) -> UpsertCounts:
    if counts.created or counts.updated:
        bump_data_version(tx)
    return counts
