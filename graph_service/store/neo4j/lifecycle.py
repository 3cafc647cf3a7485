"""Transaction functions that change single things: a person's identity, a reset.

Each runs as one managed write transaction (or in one, as part of a workflow step); the checks are the
port's (:mod:`graph_service.store.contract`) and come before any write, so a refused change leaves nothing
behind.
"""

from __future__ import annotations

from typing import Any, TypeVar

from neo4j import ManagedTransaction
from pydantic import BaseModel

from cypher import query
from graph_service.domain.model import Person
from graph_service.store.neo4j import links, mapping, reads
from graph_service.store.neo4j.batches import Folded, chunks
from graph_service.store.neo4j.feed_record import recorded
from graph_service.store.neo4j.writes import (
    bump_data_version,
    entry_payload,
    person_payload,
    run_upsert,
    upsert_regions,
)

_Model = TypeVar("_Model", bound=BaseModel)


def resolve_person(tx: ManagedTransaction, unresolved_key: str, person: Person) -> None:
    """Move an unresolved person's relations, entries, penalties and personal links to ``person``.

    A moved relation or penalty whose new identity is already stored for ``person`` is dropped: the
    stored one came with the full ID number and wins; personal links to the same entry are merged. Then
    the unresolved node goes. Entries keep their version. A no-op (and no new data version) when the
    unresolved key is not stored.
    """
    stored = reads.subjects(tx, [unresolved_key, person.key])
    if unresolved_key not in stored:
        return
    if stored.get(person.key) != person:
        upsert_regions(tx, {person.region} if person.region else set())
        run_upsert(tx, "upsert_persons", person_payload([Folded(person, person)]))

    moved = [_revalidate(r, source_id=person.key) for r in reads.relations(tx, unresolved_key, "out")]
    for chunk in chunks([mapping.relation_row(relation) for relation in moved]):
        tx.run(query("add_missing_relations"), rows=list(chunk)).consume()

    named = {e.entry_id: e for e in reads.entries(tx, "get_subject_entries", [unresolved_key])}
    named.update((e.entry_id, e) for e in reads.entries(tx, "get_responsible_entries", [unresolved_key]))
    rewritten = [
        _revalidate(
            entry,
            subject_id=person.key if entry.subject_id == unresolved_key else entry.subject_id,
            responsible_person_ids=[
                person.key if p == unresolved_key else p for p in entry.responsible_person_ids
            ],
        )
        for _, entry in sorted(named.items())
    ]
    # Stored entries only, so no first status change is written and $now is not used.
    payload = entry_payload([Folded(e, e) for e in rewritten])
    recorded(tx, rewritten, lambda: run_upsert(tx, "upsert_entries", payload, now=None), now=None)

    penalties = [_revalidate(p, subject_id=person.key) for p in reads.penalties(tx, [unresolved_key])]
    for chunk in chunks([mapping.penalty_row(penalty) for penalty in penalties]):
        tx.run(query("add_missing_penalties"), rows=list(chunk)).consume()

    links.move_links(tx, unresolved_key, person.key)
    tx.run(query("delete_subject"), key=unresolved_key).consume()
    bump_data_version(tx)


def delete_batch(tx: ManagedTransaction, statement: str, batch: int) -> int:
    """Run one bounded delete of :meth:`Neo4jStore.clear`; advance the data version if it deleted any."""
    record = tx.run(query(statement), batch=batch).single(strict=True)
    deleted = int(record["deleted"])
    if deleted:
        bump_data_version(tx)
    return deleted


def _revalidate(row: _Model, **changes: Any) -> _Model:
    """A copy of ``row`` with ``changes``, validated again (``model_copy`` would skip the validators)."""
    return type(row).model_validate({**row.model_dump(), **changes})
