"""Planning of write batches: validate a whole batch against the state, then list the operations it needs.

Nothing here changes the state. A planner either raises (``NotFound``, ``InvalidInput``, ``Conflict``) with
a message naming every offending value, or returns the operations and the per-row counts; the store then
journals and applies them as one batch. Rows of one batch are taken in order, so a row repeated in a batch
counts as unchanged (identical) or updated (different) against the earlier one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

from graph_service.domain.feed import first_status_change
from graph_service.domain.model import (
    ListEntry,
    Person,
    Relation,
    RelationKind,
    StatusChange,
    Subject,
    UpsertCounts,
)
from graph_service.domain.penalty import PenaltyRecord
from graph_service.domain.propagation import PersonalLink
from graph_service.errors import NotFound
from graph_service.store.memory.graph import GraphState
from graph_service.store.memory.ops import (
    AddStatus,
    DropLink,
    DropPenalty,
    DropRelation,
    DropSubject,
    Op,
    PutEntry,
    PutLink,
    PutPenalty,
    PutRelation,
    PutSubject,
    RecordMerge,
)

Plan = tuple[list[Op], UpsertCounts]
_Row = TypeVar("_Row", Subject, Relation, ListEntry, PenaltyRecord, PersonalLink)


def plan_subjects(state: GraphState, rows: Sequence[Subject]) -> Plan:
    """Create or replace subjects by key (the port checked each row's type)."""
    return _plan_puts(rows, lambda row: row.key, lambda row: state.subject(row.key), PutSubject)


def plan_relations(state: GraphState, rows: Sequence[Relation]) -> Plan:
    """Create or replace relations by identity; both endpoints of every row must be stored."""
    missing: dict[str, str] = {}
    stored = state.has_subject  # without building the subject (a load asks for every row)
    for row in rows:
        source, target = row.source_id, row.target_id
        if source not in missing and not stored(source):
            missing[source] = "source_id"
        if target not in missing and not stored(target):
            missing[target] = "target_id"
    _raise_missing("relation endpoints", missing)
    # _plan_puts written out for the commonest write of a load (no key or op built through a lambda). The
    # state is only asked stored_relation: the bulk import's staging store answers it too (neo4j/staging).
    pending: dict[tuple[RelationKind, str, str, dt.date | None], Relation] = {}
    ops: list[Op] = []
    created = updated = unchanged = 0
    stored_relation = state.stored_relation
    for row in rows:
        key = (row.kind, row.source_id, row.target_id, row.start_on)
        current = pending.get(key)
        if current is None:
            current = stored_relation(row)
        if current is None:
            created += 1
        elif current == row:
            unchanged += 1
            continue
        else:
            updated += 1
        pending[key] = row
        ops.append(PutRelation(row))
    return ops, UpsertCounts(created=created, updated=updated, unchanged=unchanged)


def plan_entries(state: GraphState, rows: Sequence[ListEntry], now: dt.datetime) -> Plan:
    """Create or replace entries by id; a created entry also gets its first status change."""
    _require_entry_links(state, rows)
    ops, counts = _plan_puts(
        rows, lambda row: row.entry_id, lambda row: state.entries.get(row.entry_id), PutEntry
    )
    created: set[str] = set()
    with_history: list[Op] = []
    for op in ops:
        with_history.append(op)
        if isinstance(op, PutEntry) and op.entry.entry_id not in state.entries:
            if op.entry.entry_id not in created:  # a row repeated in the batch is an update, not a creation
                with_history.append(AddStatus(first_status_change(op.entry, now)))
                created.add(op.entry.entry_id)
    return with_history, counts


def plan_transition(state: GraphState, entry: ListEntry, change: StatusChange) -> list[Op]:
    """A new version of a stored entry plus its status change (the version checked by the caller)."""
    _require_entry_links(state, [entry])
    return [PutEntry(entry), AddStatus(change)]


def plan_penalties(state: GraphState, rows: Sequence[PenaltyRecord]) -> Plan:
    """Create or replace penalties by ``(decision_number, subject_id)``; every subject must be stored."""
    missing = {row.subject_id: "subject_id" for row in rows if state.subject(row.subject_id) is None}
    _raise_missing("penalty subjects", missing)
    return _plan_puts(rows, lambda row: row.key, lambda row: state.penalties.get(row.key), PutPenalty)


def plan_links(state: GraphState, links_by_entry: Mapping[str, Sequence[PersonalLink]]) -> Plan:
    """Make each named entry's personal links exactly the given ones; stored extras are dropped (updated).

    Each link names the entry it is given for (the port checked it).
    """
    missing: dict[str, str] = {}
    for entry_id, links in links_by_entry.items():
        if entry_id not in state.entries:
            missing.setdefault(entry_id, "entry_id")
        for link in links:
            if not isinstance(state.subject(link.person_id), Person):
                missing.setdefault(link.person_id, "person_id")
    _raise_missing("entries or persons", missing)
    ops: list[Op] = []
    counts = UpsertCounts()
    for entry_id, links in links_by_entry.items():
        given = {link.person_id for link in links}
        put_ops, put_counts = _plan_puts(
            links,
            lambda link: link.person_id,
            lambda link: state.links.get((link.entry_id, link.person_id)),
            PutLink,
        )
        ops += put_ops
        counts += put_counts
        for stale in sorted(state.links_by_entry.get(entry_id, set()) - given):
            ops.append(DropLink(state.links[(entry_id, stale)]))
            counts.updated += 1
    return ops, counts


def plan_resolve(state: GraphState, unresolved_key: str, person: Person, now: dt.datetime) -> list[Op]:
    """Move an unresolved person's relations, entry links, penalties and personal links to ``person``.

    Then the unresolved node is dropped and the merge recorded. A moved relation or penalty whose new
    identity is already stored for ``person`` is dropped: the stored one came with the full ID number and
    wins. A personal link to an entry ``person`` is already linked to is merged (roles united, responsible
    if either was). Entries keep their version: their decision did not change, only whom it names.
    """
    if state.subject(unresolved_key) is None:
        return []
    ops: list[Op] = []
    if state.subject(person.key) != person:
        ops.append(PutSubject(person))
    for relation, _ in sorted(state.outgoing(unresolved_key), key=lambda link: link[0].key):
        ops.append(DropRelation(relation))
        moved = _revalidate(relation, source_id=person.key)
        if state.stored_relation(moved) is None:
            ops.append(PutRelation(moved))
    entry_ids = state.entry_ids_of_subjects([unresolved_key]) | state.entry_ids_naming([unresolved_key])
    for entry_id in sorted(entry_ids):
        entry = state.entries[entry_id]
        subject_id = person.key if entry.subject_id == unresolved_key else entry.subject_id
        responsible = [person.key if p == unresolved_key else p for p in entry.responsible_person_ids]
        ops.append(PutEntry(_revalidate(entry, subject_id=subject_id, responsible_person_ids=responsible)))
    for penalty_key in sorted(state.penalty_keys_of([unresolved_key])):
        penalty = state.penalties[penalty_key]
        ops.append(DropPenalty(penalty))
        moved_penalty = _revalidate(penalty, subject_id=person.key)
        if moved_penalty.key not in state.penalties:
            ops.append(PutPenalty(moved_penalty))
    for link in sorted(state.links_of_person(unresolved_key), key=lambda link: link.entry_id):
        ops.append(DropLink(link))
        ops.append(PutLink(_merged_link(state.links.get((link.entry_id, person.key)), link, person.key)))
    ops.append(DropSubject(unresolved_key))
    ops.append(RecordMerge(unresolved_key, person.key, now))
    return ops


# ---- helpers --------------------------------------------------------------------------------------


def _plan_puts(
    rows: Sequence[_Row],
    key_of: Callable[[_Row], Hashable],
    stored: Callable[[_Row], _Row | None],
    make_op: Callable[[_Row], Op],
) -> Plan:
    pending: dict[Hashable, _Row] = {}
    ops: list[Op] = []
    # Plain ints, one UpsertCounts at the end: assigning to a pydantic field costs a microsecond a row.
    created = updated = unchanged = 0
    for row in rows:
        key = key_of(row)
        current = pending[key] if key in pending else stored(row)
        if current is None:
            created += 1
        elif current == row:
            unchanged += 1
            continue
        else:
            updated += 1
        pending[key] = row
        ops.append(make_op(row))
    return ops, UpsertCounts(created=created, updated=updated, unchanged=unchanged)


def _merged_link(existing: PersonalLink | None, moved: PersonalLink, person_id: str) -> PersonalLink:
    if existing is None:
        return _revalidate(moved, person_id=person_id)
    return _revalidate(
        existing,
        roles=tuple(sorted(set(existing.roles) | set(moved.roles))),
        responsible=existing.responsible or moved.responsible,
    )


def _require_entry_links(state: GraphState, rows: Sequence[ListEntry]) -> None:
    missing: dict[str, str] = {}
    for row in rows:
        if row.subject_id not in missing and state.subject(row.subject_id) is None:
            missing[row.subject_id] = "subject_id"
        for person in row.responsible_person_ids:
            if person not in missing and state.subject(person) is None:
                missing[person] = "responsible_person_ids"
    _raise_missing("entry subjects or responsible persons", missing)


def _raise_missing(what: str, missing: dict[str, str]) -> None:
    """``NotFound`` naming every missing key (and the field that referred to it), if there is any."""
    if not missing:
        return
    names = ", ".join(f"{key} ({field})" for key, field in missing.items())
    raise NotFound(
        f"{what} not stored: {names}; nothing of the batch was written",
        errors=[{"field": field, "value": key, "reason": "not stored"} for key, field in missing.items()],
    )


def _revalidate(row: _Row, **changes: Any) -> _Row:
    """A copy of ``row`` with ``changes``, validated again (``model_copy`` would skip the validators)."""
    return type(row).model_validate({**row.model_dump(), **changes})
