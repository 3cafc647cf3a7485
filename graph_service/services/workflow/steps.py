"""One entry transition with everything it carries, shared by the workflow's use cases.

Read, decide, then ONE store call: the entry's next version and history record, its tasks (followed,
or recomputed after a correction) and their webhook pushes change together or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from graph_service.domain.lifecycle import EntryAction, IllegalTransition, is_expired, next_entry_status
from graph_service.domain.measures import Catalog
from graph_service.domain.model import EntryStatus, ListEntry, StatusChange
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.workflow import (
    Dispute,
    RepairApplication,
    Task,
    TaskFilter,
    follow_entry,
    reconcile,
    tasks_for_entry,
)
from graph_service.services.workflow.authority import require_decided_here
from graph_service.services.workflow.links import links_for_entry
from graph_service.services.workflow.outbox import pushes
from graph_service.services.workflow.state import Policy, conflict_of, valid
from graph_service.store.base import GraphStore
from graph_service.store.workflow_port import EntryStep


def step(
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
    """One entry transition with everything it carries (tasks, pushes), written in ONE store call."""
    policy = policy or Policy()
    require_decided_here(entry, policy)
    try:
        status = next_entry_status(entry.status, action, expired=is_expired(entry.valid_until, now.date()))
    except IllegalTransition as exc:
        raise conflict_of(exc) from exc
    after = valid(
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
    if changes and catalog is not None:
        links = links_for_entry(store, after)
        tasks = reconcile(stored, enforceable_tasks(after, links, catalog, now.date(), policy), status)
    else:
        tasks = follow_entry(stored, status)
    store.write_step(
        EntryStep(
            after,
            change,
            tasks=tasks,
            links=links,
            dispute=dispute,
            repair=repair,
            deliveries=pushes(stored, tasks, policy.push_to, now),
        )
    )


def enforceable_tasks(
    entry: ListEntry, links: list[PersonalLink], catalog: Catalog, today: dt.date, policy: Policy
) -> list[Task]:
    """Tasks only for an entry enforceable from now on: active and not yet expired."""
    if entry.status is not EntryStatus.ACTIVE or is_expired(entry.valid_until, today):
        return []
    return tasks_for_entry(entry, links, catalog, today, day_of_month=policy.feedback_day_of_month)
