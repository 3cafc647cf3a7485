"""Read transaction functions. They also run inside write transactions (resolving a person reads first).

Each reads its result to the end and returns domain models (through :mod:`.mapping`), never records.
Filtering by date and kind that the contract defines in ``graph_service.store.graph_port`` is applied with the
shared helpers where the whole answer is returned anyway; only :func:`adjacent` filters in Cypher,
because its per-subject limit applies after the filter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from neo4j import ManagedTransaction

from cypher import query
from graph_service.domain.model import (
    Direction,
    ListEntry,
    Relation,
    RelationKind,
    StatusChange,
    Subject,
)
from graph_service.domain.penalty import PenaltyRecord
from graph_service.store.graph_port import Adjacency, relation_order
from graph_service.store.neo4j import mapping
from graph_service.store.neo4j.batches import chunks

_RELATIONS_BY_DIRECTION: dict[Direction, str] = {
    "out": "get_outgoing_relations",
    "in": "get_incoming_relations",
    "both": "get_relations",
}


def subjects(tx: ManagedTransaction, keys: Sequence[str]) -> dict[str, Subject]:
    found: dict[str, Subject] = {}
    for chunk in chunks(keys):
        for record in tx.run(query("get_subjects"), keys=list(chunk)):
            subject = mapping.subject_from(record["labels"], record["props"])
            found[subject.key] = subject
    return found


def entries_by_id(tx: ManagedTransaction, entry_ids: Sequence[str]) -> dict[str, ListEntry]:
    found: dict[str, ListEntry] = {}
    for chunk in chunks(entry_ids):
        for record in tx.run(query("get_entries"), entry_ids=list(chunk)):
            entry = mapping.entry_from(record["props"])
            found[entry.entry_id] = entry
    return found


def entries(tx: ManagedTransaction, statement: str, keys: Sequence[str]) -> list[ListEntry]:
    """Entries found by ``statement`` (get_subject_entries / get_responsible_entries) for ``keys``."""
    found: dict[str, ListEntry] = {}
    for chunk in chunks(keys):
        for record in tx.run(query(statement), keys=list(chunk)):
            entry = mapping.entry_from(record["props"])
            found[entry.entry_id] = entry
    return list(found.values())


def relations(tx: ManagedTransaction, key: str, direction: Direction) -> list[Relation]:
    """Every stored relation touching ``key`` in ``direction``, whole history, in no particular order."""
    result = tx.run(query(_RELATIONS_BY_DIRECTION[direction]), key=key)
    return [
        mapping.relation_from(record["type"], record["source_id"], record["target_id"], record["props"])
        for record in result
    ]


def adjacent(
    tx: ManagedTransaction, keys: Sequence[str], as_of: dt.date | None, limit: int
) -> dict[str, Adjacency]:
    """The frontier's adjacency in one statement per chunk of keys; unknown keys are absent."""
    found: dict[str, Adjacency] = {}
    for chunk in chunks(keys):
        for record in tx.run(query("adjacent_subjects"), keys=list(chunk), as_of=as_of, limit=limit):
            key: str = record["key"]
            links = [
                (relation, relation.other_end(key))
                for relation in (
                    mapping.relation_from(link["type"], link["source_id"], link["target_id"], link["props"])
                    for link in record["links"]
                )
            ]
            # Cypher orders strings by UTF-16 unit, Python by code point; they differ only past U+FFFF
            # against U+E000..U+FFFF. Sorting the (already limited) slice again keeps the contract's order.
            links.sort(key=lambda link: relation_order(*link))
            found[key] = Adjacency(links=links, total=int(record["total"]))
    return found


def history(tx: ManagedTransaction, entry_id: str) -> list[StatusChange]:
    result = tx.run(query("get_entry_history"), entry_id=entry_id)
    return [mapping.change_from(entry_id, record["props"]) for record in result]


def penalties(tx: ManagedTransaction, keys: Sequence[str]) -> list[PenaltyRecord]:
    found: dict[str, PenaltyRecord] = {}
    for chunk in chunks(keys):
        for record in tx.run(query("get_penalties"), keys=list(chunk)):
            penalty = mapping.penalty_from(record["props"])
            found[penalty.key] = penalty
    return list(found.values())


def counts(tx: ManagedTransaction) -> dict[str, int]:
    """Subjects by kind, regions in use, relations by kind, penalties, personal links, entries by status."""
    totals = tx.run(query("count_graph")).single(strict=True)
    result = {
        name: int(totals[name]) for name in ("organizations", "persons", "unresolved_persons", "regions")
    }
    result.update({kind.value: int(totals[kind.value]) for kind in RelationKind})
    result["entries"] = int(totals["entries"])
    for record in tx.run(query("count_entries")):
        result[f"entries:{record['list']}:{record['status']}"] = int(record["n"])
    result["penalties"] = int(totals["penalties"])
    result["personal_links"] = int(totals["personal_links"])
    return result


def data_version(tx: ManagedTransaction) -> int:
    return int(tx.run(query("get_data_version")).single(strict=True)["value"])


def search(tx: ManagedTransaction, needle: str, limit: int) -> list[Subject]:
    result = tx.run(query("search_subjects"), needle=needle, limit=limit)
    return [mapping.subject_from(record["labels"], record["props"]) for record in result]


def subjects_after(tx: ManagedTransaction, after: str | None, limit: int) -> list[Subject]:
    result = tx.run(query("list_subjects"), after=after, limit=limit)
    return [mapping.subject_from(record["labels"], record["props"]) for record in result]


def ping(tx: ManagedTransaction) -> None:
    tx.run(query("ping")).consume()
