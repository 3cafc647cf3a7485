"""Use cases of an entry's life (issue 6): initiate, dispute and resolve, revoke, apply for and decide repair.

Orchestration only: the rules are :mod:`graph_service.domain.lifecycle` and
:mod:`graph_service.domain.workflow`; each step is read, decide, then ONE store call
(:meth:`GraphStore.create_entry` or :meth:`GraphStore.apply_entry_change`), so an entry's status and its
tasks change together or not at all. Time is passed in (``now``); nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from graph_service.domain.lifecycle import (
    DISPUTE_VERIFICATION_DAYS,
    ENTRY_TRANSITIONS,
    FEEDBACK_DAY_OF_MONTH,
    EntryAction,
    IllegalTransition,
    dispute_deadline,
    next_entry_status,
)
from graph_service.domain.measures import Catalog
from graph_service.domain.model import EntryStatus, ListEntry, StatusChange
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.workflow import (
    Dispute,
    DisputeStatus,
    RepairApplication,
    RepairStatus,
    Task,
    TaskFilter,
    follow_entry,
    reconcile,
    tasks_for_entry,
)
from graph_service.errors import Conflict, InvalidInput, NotFound
from graph_service.services.propagation import links_for_entry
from graph_service.store.base import GraphStore

_M = TypeVar("_M", bound=BaseModel)

#: Fields a dispute resolution may correct (更正). Identity, status and version never change this way.
CORRECTABLE_FIELDS = frozenset(
    {
        "list",
        "domain",
        "reason",
        "act_on",
        "decided_on",
        "valid_from",
        "valid_until",
        "basis",
        "source_region",
        "responsible_person_ids",
    }
)

_OUTCOME_ACTIONS = {
    DisputeStatus.UPHELD: EntryAction.UPHOLD,
    DisputeStatus.CORRECTED: EntryAction.CORRECT,
    DisputeStatus.REVOKED: EntryAction.REVOKE,
}


@dataclass(frozen=True)
class Policy:
    """The configurable deadlines (Settings ``feedback_day_of_month`` and ``dispute_days``)."""

    feedback_day_of_month: int = FEEDBACK_DAY_OF_MONTH
    dispute_days: int = DISPUTE_VERIFICATION_DAYS


class EntryState(BaseModel):
    """An entry with everything the workflow keeps about it."""

    entry: ListEntry
    history: list[StatusChange]
    tasks: list[Task]
    disputes: list[Dispute]
    repairs: list[RepairApplication]


def conflict_of(exc: IllegalTransition) -> Conflict:
    """The API's 409 for an illegal transition, listing what is allowed instead."""
    return Conflict(
        str(exc), errors=[{"state": exc.state, "action": exc.action, "allowed": list(exc.allowed)}]
    )


def get_entry(store: GraphStore, entry_id: str) -> ListEntry:
    """The stored entry, or ``NotFound``."""
    entry = store.get_entries([entry_id]).get(entry_id)
    if entry is None:
        raise NotFound(f"entry {entry_id!r} is not stored")
    return entry


def entry_state(store: GraphStore, entry_id: str) -> EntryState:
    """The entry, its history, tasks, disputes and repair applications."""
    return EntryState(
        entry=get_entry(store, entry_id),
        history=store.entry_history(entry_id),
        tasks=store.get_tasks(TaskFilter(entry_id=entry_id)),
        disputes=store.get_disputes(entry_id=entry_id),
        repairs=store.get_repairs(entry_id=entry_id),
    )


def create_entry(
    store: GraphStore, catalog: Catalog, entry: ListEntry, *, today: dt.date, policy: Policy
) -> EntryState:
    """Initiate (发起) an entry: store it with its personal links and, if enforceable now, its tasks.

    A new entry must be active at version 1. ``Conflict`` if the id is taken.
    """
    if entry.status is not EntryStatus.ACTIVE:
        raise InvalidInput.for_field("status", entry.status.value, "a new entry must be active")
    if entry.version != 1:
        raise InvalidInput.for_field("version", entry.version, "a new entry is version 1")
    if store.get_entries([entry.entry_id]):
        raise Conflict(f"entry {entry.entry_id!r} already exists; choose another entry_id")
    links = links_for_entry(store, entry)
    store.create_entry(entry, links, _tasks(entry, links, catalog, today, policy))
    return entry_state(store, entry.entry_id)


def file_dispute(
    store: GraphStore,
    entry_id: str,
    *,
    grounds: str,
    filed_by: str,
    actor: str,
    now: dt.datetime,
    policy: Policy,
) -> Dispute:
    """File an objection (异议): the entry becomes disputed and every task is suspended at once."""
    entry = get_entry(store, entry_id)
    dispute = _valid(
        Dispute,
        dispute_id=uuid.uuid4().hex,
        entry_id=entry_id,
        grounds=grounds,
        filed_by=filed_by,
        filed_on=now.date(),
        due_on=dispute_deadline(now.date(), policy.dispute_days),
    )
    _step(store, entry, EntryAction.DISPUTE, actor=actor, now=now, reason=grounds, dispute=dispute)
    return dispute


def resolve_dispute(
    store: GraphStore,
    catalog: Catalog,
    entry_id: str,
    dispute_id: str,
    *,
    outcome: DisputeStatus,
    reason: str,
    changes: Mapping[str, Any],
    actor: str,
    now: dt.datetime,
    policy: Policy,
) -> EntryState:
    """Resolve a dispute by the initiating department's verification (核实).

    upheld → active (tasks restored); corrected → active with ``changes`` applied, links and tasks
    recomputed; revoked → revoked (tasks lifted). Every outcome is a new entry version with history.
    """
    entry = get_entry(store, entry_id)
    found = store.get_disputes(entry_id=entry_id, dispute_id=dispute_id)
    if not found:
        raise NotFound(f"dispute {dispute_id!r} of entry {entry_id!r} is not stored")
    if found[0].status is not DisputeStatus.OPEN:
        raise conflict_of(IllegalTransition("dispute", found[0].status.value, "resolve", []))
    if outcome is DisputeStatus.OPEN:
        raise InvalidInput.for_field("outcome", outcome.value, "must be upheld, corrected or revoked")
    if outcome is not DisputeStatus.CORRECTED and changes:
        raise InvalidInput.for_field("changes", sorted(changes), "only a corrected outcome changes fields")
    if outcome is DisputeStatus.CORRECTED:
        unknown = sorted(set(changes) - CORRECTABLE_FIELDS)
        if unknown or not changes:
            raise InvalidInput.for_field(
                "changes", unknown or {}, f"name the corrected fields among {sorted(CORRECTABLE_FIELDS)}"
            )
    resolved = found[0].model_copy(
        update={"status": outcome, "resolved_by": actor, "resolved_on": now.date(), "resolution": reason}
    )
    _step(
        store,
        entry,
        _OUTCOME_ACTIONS[outcome],
        actor=actor,
        now=now,
        reason=reason,
        dispute=resolved,
        changes=changes,
        catalog=catalog,
        policy=policy,
    )
    return entry_state(store, entry_id)


def revoke_entry(
    store: GraphStore, entry_id: str, *, reason: str, actor: str, now: dt.datetime
) -> EntryState:
    """Revoke (撤销) an entry: its tasks are lifted; an open dispute of it is closed as revoked."""
    entry = get_entry(store, entry_id)
    open_disputes = [d for d in store.get_disputes(entry_id=entry_id) if d.status is DisputeStatus.OPEN]
    closed = (
        open_disputes[0].model_copy(
            update={
                "status": DisputeStatus.REVOKED,
                "resolved_by": actor,
                "resolved_on": now.date(),
                "resolution": reason,
            }
        )
        if open_disputes
        else None
    )
    _step(store, entry, EntryAction.REVOKE, actor=actor, now=now, reason=reason, dispute=closed)
    return entry_state(store, entry_id)


def apply_for_repair(
    store: GraphStore, entry_id: str, *, evidence: str, applied_by: str, now: dt.datetime
) -> RepairApplication:
    """File a credit-repair application (信用修复); only an active entry can be repaired."""
    entry = get_entry(store, entry_id)
    allowed = ENTRY_TRANSITIONS[entry.status]
    if EntryAction.REPAIR not in allowed:
        raise conflict_of(
            IllegalTransition(
                "entry", entry.status.value, EntryAction.REPAIR.value, [a.value for a in allowed]
            )
        )
    pending = [r for r in store.get_repairs(entry_id=entry_id) if r.status is RepairStatus.PENDING]
    if pending:
        raise Conflict(
            f"entry {entry_id!r} already has a pending repair application {pending[0].repair_id!r}"
        )
    repair = _valid(
        RepairApplication,
        repair_id=uuid.uuid4().hex,
        entry_id=entry_id,
        evidence=evidence,
        applied_by=applied_by,
        applied_on=now.date(),
    )
    store.apply_entry_change(None, None, repair=repair)
    return repair


def get_repair(store: GraphStore, repair_id: str) -> RepairApplication:
    found = store.get_repairs(repair_id=repair_id)
    if not found:
        raise NotFound(f"repair application {repair_id!r} is not stored")
    return found[0]


def decide_repair(
    store: GraphStore, repair_id: str, *, approve: bool, reason: str, actor: str, now: dt.datetime
) -> RepairApplication:
    """Decide a repair application; approval repairs the entry and lifts its tasks in one transaction."""
    repair = get_repair(store, repair_id)
    if repair.status is not RepairStatus.PENDING:
        raise conflict_of(IllegalTransition("repair application", repair.status.value, "decide", []))
    decided = repair.model_copy(
        update={
            "status": RepairStatus.APPROVED if approve else RepairStatus.REJECTED,
            "decided_by": actor,
            "decided_on": now.date(),
            "reason": reason,
        }
    )
    if approve:
        entry = get_entry(store, repair.entry_id)
        _step(store, entry, EntryAction.REPAIR, actor=actor, now=now, reason=reason, repair=decided)
    else:
        store.apply_entry_change(None, None, repair=decided)
    return decided


def _step(
    store: GraphStore,
    entry: ListEntry,
    action: EntryAction,
    *,
    actor: str,
    now: dt.datetime,
    reason: str,
    dispute: Dispute | None = None,
    repair: RepairApplication | None = None,
    changes: Mapping[str, Any] | None = None,
    catalog: Catalog | None = None,
    policy: Policy | None = None,
) -> None:
    """One entry transition with everything it carries, written in ONE store call."""
    try:
        status = next_entry_status(entry.status, action)
    except IllegalTransition as exc:
        raise conflict_of(exc) from exc
    after = _valid(
        ListEntry, **{**entry.model_dump(), **(changes or {}), "status": status, "version": entry.version + 1}
    )
    change = StatusChange(
        entry_id=entry.entry_id,
        from_status=entry.status,
        to_status=status,
        at=now,
        actor=actor,
        reason=reason,
    )
    stored = store.get_tasks(TaskFilter(entry_id=entry.entry_id))
    links: list[PersonalLink] | None = None
    if changes and catalog is not None and policy is not None:
        links = links_for_entry(store, after)
        tasks = reconcile(stored, _tasks(after, links, catalog, now.date(), policy), status)
    else:
        tasks = follow_entry(stored, status)
    store.apply_entry_change(after, change, tasks=tasks, links=links, dispute=dispute, repair=repair)


def _tasks(
    entry: ListEntry, links: list[PersonalLink], catalog: Catalog, today: dt.date, policy: Policy
) -> list[Task]:
    """Tasks only for an entry enforceable from now on: active and not yet expired."""
    if entry.status is not EntryStatus.ACTIVE or (
        entry.valid_until is not None and entry.valid_until < today
    ):
        return []
    return tasks_for_entry(entry, links, catalog, today, day_of_month=policy.feedback_day_of_month)


def _valid(model: type[_M], **fields: Any) -> _M:
    """Build and validate a model; a validation error becomes ``InvalidInput`` naming field and value."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in err["loc"]), "value": err.get("input"), "reason": err["msg"]}
            for err in exc.errors(include_url=False)
        ]
        detail = "; ".join(f"{e['field']}: {e['reason']} (got {e['value']!r})" for e in errors)
        raise InvalidInput(detail, errors=errors) from exc
