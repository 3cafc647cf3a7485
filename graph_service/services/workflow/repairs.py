"""Credit repair (信用修复): applications, and their decision by the initiating department (谁认定、谁修复).

An approved application repairs the entry in one transaction: its tasks are lifted and it leaves checks,
the public query and persons' measures at once ("保障信用修复信息同步屏蔽", 武汉市实施方案). Or, when the
department shortens the term instead ("经相关部门认定后，适度调整联合惩戒期限", 安化县实施意见 (四)5), the
approval sets an earlier ``valid_until``: the entry stays in force until that day and then expires.
"""

from __future__ import annotations

import datetime as dt
import uuid

from graph_service.domain.bounds import check_safe_id
from graph_service.domain.lifecycle import EntryAction, IllegalTransition, is_expired, next_entry_status
from graph_service.domain.workflow import RepairApplication, RepairStatus
from graph_service.errors import Conflict, InvalidInput, NotFound
from graph_service.services.workflow.authority import Decider, require_decided_here, require_initiating_dept
from graph_service.services.workflow.state import Policy, conflict_of, get_entry, valid
from graph_service.services.workflow.steps import step
from graph_service.store.base import GraphStore
from graph_service.store.workflow_port import EntryStep


def apply_for_repair(
    store: GraphStore,
    entry_id: str,
    *,
    evidence: str,
    applied_by: str,
    now: dt.datetime,
    policy: Policy | None = None,
) -> RepairApplication:
    """File a credit-repair application (信用修复); only an active, unexpired entry decided here qualifies."""
    entry = get_entry(store, entry_id)
    require_decided_here(entry, policy or Policy())
    try:
        next_entry_status(entry.status, EntryAction.REPAIR, expired=is_expired(entry.valid_until, now.date()))
    except IllegalTransition as exc:
        raise conflict_of(exc) from exc
    pending = [r for r in store.get_repairs(entry_id=entry_id) if r.status is RepairStatus.PENDING]
    if pending:
        raise Conflict(
            f"entry {entry_id!r} already has a pending repair application {pending[0].repair_id!r}"
        )
    repair = valid(
        RepairApplication,
        repair_id=uuid.uuid4().hex,
        entry_id=entry_id,
        evidence=evidence,
        applied_by=applied_by,
        applied_on=now.date(),
    )
    store.write_step(EntryStep(repair=repair))
    return repair


def get_repair(store: GraphStore, repair_id: str) -> RepairApplication:
    found = store.get_repairs(repair_id=check_safe_id("repair_id", repair_id))
    if not found:
        raise NotFound(f"repair application {repair_id!r} is not stored")
    return found[0]


def decide_repair(
    store: GraphStore,
    repair_id: str,
    *,
    approve: bool,
    reason: str,
    actor: str,
    now: dt.datetime,
    policy: Policy | None = None,
    decider: Decider | None = None,
    valid_until: dt.date | None = None,
) -> RepairApplication:
    """Decide a repair application; approval repairs the entry and lifts its tasks in one transaction.

    Given ``decider``, only the entry's initiating department (or an admin) may decide. An approval with
    ``valid_until`` shortens the punishment term instead (安化县 (四)5 "适度调整联合惩戒期限"): the entry
    stays active, amended to end on that day (version + 1, history), ``InvalidInput`` unless the day is
    from today on and earlier than the entry's current end.
    """
    repair = get_repair(store, repair_id)
    if decider is not None:
        require_initiating_dept(get_entry(store, repair.entry_id), decider)
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
    if approve and valid_until is not None:
        entry = get_entry(store, repair.entry_id)
        _require_shorter(entry.valid_until, valid_until, now.date())
        step(
            store,
            entry,
            EntryAction.AMEND,
            actor=actor,
            now=now,
            reason=f"{reason} (repair: term shortened to {valid_until.isoformat()})",
            repair=decided,
            changes={"valid_until": valid_until},
            policy=policy,
        )
    elif approve:
        entry = get_entry(store, repair.entry_id)
        step(
            store,
            entry,
            EntryAction.REPAIR,
            actor=actor,
            now=now,
            reason=reason,
            repair=decided,
            policy=policy,
        )
    else:
        store.write_step(EntryStep(repair=decided))
    return decided


def _require_shorter(current: dt.date | None, wanted: dt.date, today: dt.date) -> None:
    """A shortened term ends from today on and before the current end (None: open-ended)."""
    if wanted < today:
        raise InvalidInput.for_field(
            "valid_until",
            wanted.isoformat(),
            f"a shortened term ends today ({today}) or later; to end it at once, approve without valid_until",
        )
    if current is not None and wanted >= current:
        raise InvalidInput.for_field(
            "valid_until", wanted.isoformat(), f"must be earlier than the entry's current end {current}"
        )
