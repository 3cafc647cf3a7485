"""An entry's initiation and its transitions with everything they carry, shared by the three doors.

The API, the loaders and peer sync are three doors into one lifecycle: every new entry goes through
:func:`initiate` and every change of a stored one through :func:`step`. Read, decide, then ONE store
call: the entry's next version and history record, its tasks (followed, or recomputed after a
correction) and their webhook pushes change together or not at all. Red and black exclude each other
(:mod:`graph_service.domain.exclusion`): a black entry taking effect or ending is followed by the steps
that suspend or reinstate its subject's red entries.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from graph_service.domain.bounds import check_decision_day
from graph_service.domain.exclusion import black_in_force, blocking_black, reds_to_reinstate, reds_to_suspend
from graph_service.domain.lifecycle import EntryAction, IllegalTransition, is_expired, next_entry_status
from graph_service.domain.measures import Catalog
from graph_service.domain.model import EntryFilter, EntryStatus, ListEntry, ListKind, StatusChange
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
from graph_service.errors import Conflict, InvalidInput
from graph_service.services.workflow.authority import decided_here, require_decided_here
from graph_service.services.workflow.links import RoleHolders, links_for_entry
from graph_service.services.workflow.outbox import pushes
from graph_service.services.workflow.state import Policy, conflict_of, valid
from graph_service.store.base import GraphStore
from graph_service.store.workflow_port import EntryStep

#: Where a step goes: ``store.write_step`` by default; a load holds its steps back to write them in chunks
#: (:class:`~graph_service.services.workflow.intake.StepBuffer`).
StepWriter = Callable[[EntryStep], None]


class LifecycleReads(RoleHolders, Protocol):
    """What a step is decided from: the store by default; a load passes the reads it made ahead for a
    whole batch of entries (:class:`~graph_service.services.workflow.batch_reads.BatchReads`), which answer
    exactly as the store would."""

    def get_entries(self, entry_ids: Iterable[str]) -> dict[str, ListEntry]: ...

    def entries_for(self, subject_ids: Iterable[str], flt: EntryFilter | None = None) -> list[ListEntry]: ...

    def get_tasks(self, flt: TaskFilter) -> list[Task]: ...


def initiate(
    store: GraphStore,
    catalog: Catalog,
    entry: ListEntry,
    *,
    policy: Policy,
    now: dt.datetime,
    first: StatusChange | None = None,
    write: StepWriter | None = None,
    reads: LifecycleReads | None = None,
) -> None:
    """Initiate (发起) a new ``entry`` — from any door — in ONE store call, then follow the exclusion rule.

    Writes the entry with its personal links, its tasks if enforceable on ``now``'s day
    (:func:`enforceable_tasks`), their webhook pushes, its first history record ``first`` (default: by
    the initiating department) and, in the same transaction, the feed event. ``InvalidInput`` for a
    version other than 1 or a date out of bounds; ``Conflict`` if the id is taken or a red entry meets
    a black entry of its subject in force (:func:`require_not_blacklisted`). A black entry in force then
    suspends the subject's active red entries. ``write`` takes the steps instead of ``store.write_step``;
    ``reads`` answers the reads instead of the store.
    """
    today = now.date()
    if entry.version != 1:
        raise InvalidInput.for_field("version", entry.version, "a new entry is version 1")
    for name in ("decided_on", "act_on", "valid_from"):
        check_decision_day(name, getattr(entry, name), today=today)
    seen = store if reads is None else reads
    require_not_blacklisted(seen, entry, today)
    links = links_for_entry(seen, entry)
    tasks = enforceable_tasks(entry, links, catalog, today, policy)
    (write or store.write_step)(
        EntryStep.create(entry, links, tasks, deliveries=pushes([], tasks, policy.push_to, now), first=first)
    )
    actor = first.actor if first else entry.initiating_dept
    follow_black(store, entry, actor=actor, now=now, policy=policy, write=write, reads=reads)


def require_not_blacklisted(store: LifecycleReads, entry: ListEntry, today: dt.date) -> None:
    """``Conflict`` naming the black entry in force that refuses red entry ``entry`` (红黑互斥)."""
    if entry.list is not ListKind.RED:
        return
    black = blocking_black(entry, store.entries_for([entry.subject_id]), today)
    if black is None:
        return
    raise Conflict(
        f"subject {entry.subject_id} has black entry {black.entry_id!r} in force ({black.status.value}, "
        f"decided {black.decided_on}): a red entry is refused until it is revoked, repaired or expires",
        errors=[
            {"entry_id": entry.entry_id, "black_entry_id": black.entry_id, "subject_id": entry.subject_id}
        ],
    )


def follow_black(
    store: GraphStore,
    black: ListEntry,
    *,
    actor: str,
    now: dt.datetime,
    policy: Policy,
    write: StepWriter | None = None,
    reads: LifecycleReads | None = None,
) -> None:
    """After black entry ``black`` was written: suspend its subject's red entries while it is in force,
    reinstate them when no black entry of the subject is in force any more (one step each, with history).
    """
    if black.list is not ListKind.BLACK:
        return
    today = now.date()
    # Another region's red entries are its decisions: they change only through its feed.
    others = [
        e
        for e in (store if reads is None else reads).entries_for([black.subject_id])
        if e.entry_id != black.entry_id and decided_here(e, policy)
    ]
    suspended = (
        (red, EntryAction.SUSPEND, f"suspended: black entry {black.entry_id} of the subject is in force")
        for red in reds_to_suspend(black, others, today)
    )
    reinstated = (
        (red, EntryAction.REINSTATE, f"reinstated: black entry {black.entry_id} is {black.status.value}")
        for red in reds_to_reinstate(black, others, today)
    )
    for red, action, reason in itertools.chain(suspended, reinstated):
        step(store, red, action, actor=actor, now=now, reason=reason, policy=policy, write=write, reads=reads)


def reinstate_after_expiry(store: GraphStore, *, now: dt.datetime, policy: Policy) -> int:
    """Reinstate suspended red entries whose subject has no black entry in force any more because it
    expired (a black entry suspends reds only "for as long as it is effective"); how many.

    Revocation and repair reinstate at once (:func:`follow_black`); expiry is a date, not a step, so the
    daily expiry job calls this. Idempotent.
    """
    day = now.date()
    suspended = store.list_entries(
        EntryFilter(lists=frozenset({ListKind.RED}), statuses=frozenset({EntryStatus.SUSPENDED})),
        limit=100_000,
    )
    reinstated = 0
    for subject_id in sorted({e.subject_id for e in suspended}):
        entries = store.entries_for([subject_id])
        blacks = [e for e in entries if e.list is ListKind.BLACK and e.valid_until is not None]
        if not blacks or any(black_in_force(e, day) for e in entries if e.list is ListKind.BLACK):
            continue
        ended = max(blacks, key=lambda e: (e.valid_until or day, e.entry_id))
        others = [e for e in entries if e.entry_id != ended.entry_id and decided_here(e, policy)]
        for red in reds_to_reinstate(ended, others, day):
            reason = f"reinstated: black entry {ended.entry_id} expired on {ended.valid_until}"
            step(store, red, EntryAction.REINSTATE, actor="expiry", now=now, reason=reason, policy=policy)
            reinstated += 1
    return reinstated


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
    write: StepWriter | None = None,
    reads: LifecycleReads | None = None,
) -> None:
    """One entry transition with everything it carries (tasks, pushes), written in ONE store call
    (``write`` instead of ``store.write_step`` if given; ``reads`` instead of the store's reads)."""
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
    seen = store if reads is None else reads
    stored = seen.get_tasks(TaskFilter(entry_id=entry.entry_id))
    links: list[PersonalLink] | None = None
    if changes and catalog is not None:
        links = links_for_entry(seen, after)
        tasks = reconcile(stored, enforceable_tasks(after, links, catalog, now.date(), policy), status)
    else:
        tasks = follow_entry(stored, status)
    (write or store.write_step)(
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
    follow_black(store, after, actor=actor, now=now, policy=policy, write=write, reads=reads)


def enforceable_tasks(
    entry: ListEntry, links: list[PersonalLink], catalog: Catalog, today: dt.date, policy: Policy
) -> list[Task]:
    """Tasks only for an entry enforceable from now on: active and not yet expired."""
    if entry.status is not EntryStatus.ACTIVE or is_expired(entry.valid_until, today):
        return []
    return tasks_for_entry(entry, links, catalog, today, day_of_month=policy.feedback_day_of_month)
