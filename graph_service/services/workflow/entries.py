"""Use cases of an entry's life: initiate, dispute and resolve, revoke, apply for and decide repair.

Orchestration only: the rules are :mod:`graph_service.domain.lifecycle` and
:mod:`graph_service.domain.workflow`; each step is read, decide, then ONE store call
(:meth:`GraphStore.write_step` of one :class:`EntryStep`), so an entry's status, its
tasks and their webhook pushes (:mod:`graph_service.services.workflow.outbox`) change together or not at all.
Time is passed in (``now``); nothing here reads the clock. The transition itself is
:func:`.steps.step`; repair is :mod:`.repairs`; who may decide is :mod:`.authority`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from graph_service.domain.bounds import check_safe_id
from graph_service.domain.lifecycle import EntryAction, IllegalTransition, dispute_deadline
from graph_service.domain.measures import Catalog, require_behaviour
from graph_service.domain.model import EntryStatus, ListEntry
from graph_service.domain.workflow import Dispute, DisputeStatus
from graph_service.errors import Conflict, InvalidInput, NotFound
from graph_service.services.workflow.authority import Decider, require_initiating_dept, require_may_initiate
from graph_service.services.workflow.state import (
    EntryState,
    Policy,
    conflict_of,
    entry_state,
    get_entry,
    valid,
)
from graph_service.services.workflow.steps import initiate, step
from graph_service.store.base import GraphStore

#: Fields a dispute resolution may correct (更正). Identity, status, version and where the decision was
#: made (``source_region``, ``initiating_dept``) never change this way.
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
        "responsible_person_ids",
    }
)

_OUTCOME_ACTIONS = {
    DisputeStatus.UPHELD: EntryAction.UPHOLD,
    DisputeStatus.CORRECTED: EntryAction.CORRECT,
    DisputeStatus.REVOKED: EntryAction.REVOKE,
}


def create_entry(
    store: GraphStore,
    catalog: Catalog,
    entry: ListEntry,
    *,
    today: dt.date,
    policy: Policy,
    now: dt.datetime | None = None,
    decider: Decider | None = None,
) -> EntryState:
    """Initiate (发起) an entry: store it with its personal links and, if enforceable now, its tasks.

    A new entry must be active at version 1. ``Conflict`` if the id is taken, or if it is a red entry
    for a subject with a black entry in force (naming it). ``now`` stamps the pushes of the new tasks
    (default: the start of ``today``, UTC). Given ``decider`` (the API's caller), the entry is checked and
    completed by :func:`~.authority.require_may_initiate`. ``InvalidInput`` if it names a
    ``behaviour_code`` the catalog's behaviour list does not resolve, or one of another list or domain.
    """
    if decider is not None:
        entry = require_may_initiate(entry, decider, policy)
    if entry.status is not EntryStatus.ACTIVE:
        raise InvalidInput.for_field("status", entry.status.value, "a new entry must be active")
    require_behaviour(catalog, entry)
    if store.get_entries([entry.entry_id]):
        raise Conflict(f"entry {entry.entry_id!r} already exists; choose another entry_id")
    initiate(store, catalog, entry, policy=policy, now=now or dt.datetime.combine(today, dt.time(), dt.UTC))
    return entry_state(store, entry.entry_id, today=today)


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
    dispute = valid(
        Dispute,
        dispute_id=uuid.uuid4().hex,
        entry_id=entry_id,
        grounds=grounds,
        filed_by=filed_by,
        filed_on=now.date(),
        due_on=dispute_deadline(now.date(), policy.dispute_days),
    )
    step(
        store,
        entry,
        EntryAction.DISPUTE,
        actor=actor,
        now=now,
        reason=grounds,
        dispute=dispute,
        policy=policy,
    )
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
    decider: Decider | None = None,
) -> EntryState:
    """Resolve a dispute by the initiating department's verification (核实).

    Given ``decider``, only the entry's initiating department (or an admin) may resolve it.

    upheld → active (tasks restored); corrected → active with ``changes`` applied, links and tasks
    recomputed; revoked → revoked (tasks lifted). Every outcome is a new entry version with history.
    """
    entry = get_entry(store, entry_id)
    if decider is not None:
        require_initiating_dept(entry, decider)
    found = store.get_disputes(entry_id=entry_id, dispute_id=check_safe_id("dispute_id", dispute_id))
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
    step(
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
    return entry_state(store, entry_id, today=now.date())


def revoke_entry(
    store: GraphStore,
    entry_id: str,
    *,
    reason: str,
    actor: str,
    now: dt.datetime,
    policy: Policy | None = None,
    decider: Decider | None = None,
) -> EntryState:
    """Revoke (撤销) an entry: its tasks are lifted; an open dispute of it is closed as revoked.

    Given ``decider``, only the entry's initiating department (or an admin) may revoke it.
    """
    entry = get_entry(store, entry_id)
    if decider is not None:
        require_initiating_dept(entry, decider)
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
    step(store, entry, EntryAction.REVOKE, actor=actor, now=now, reason=reason, dispute=closed, policy=policy)
    return entry_state(store, entry_id, today=now.date())
