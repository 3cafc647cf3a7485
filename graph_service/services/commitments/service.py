"""Use cases of credit commitments (信用承诺).

安化县实施意见 二(二)1 (综合性或专项性信用承诺书，接受社会监督) and 二(二)2 (容缺受理: 书面承诺在规定期限内
提供); 云浮市实施方案 (三) (推行企业主动承诺制度, 公开承诺) and (四) (容缺受理). A 容缺受理 commitment whose
materials are not confirmed by its ``due_on`` is breached: the breach is a dishonest act, recorded as a
list entry through the lifecycle's one door (:func:`~graph_service.services.workflow.entries.create_entry`)
— on the watch list unless Settings ``commitment_breach_list`` says black — so every later check reports it.

Orchestration only: the rules are :mod:`graph_service.domain.commitments`. Time is passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph_service.domain.commitments import (
    Commitment,
    CommitmentError,
    CommitmentKind,
    CommitmentStatus,
    breach,
    breach_entry_id,
    confirm,
    new_status,
)
from graph_service.domain.measures import Catalog
from graph_service.domain.model import ListEntry, ListKind
from graph_service.errors import Conflict, NotFound, NotPermitted
from graph_service.services.workflow.entries import create_entry
from graph_service.services.workflow.state import Policy, valid
from graph_service.store.base import GraphStore

#: The behaviour list's item (行为清单) a breach entry names, if the catalog has it.
BREACH_BEHAVIOUR = "WL-COMMITMENT"


@dataclass(frozen=True)
class Clerk:
    """Who acts on a commitment: a department (the key's name), or an admin acting for any."""

    department: str
    admin: bool = False


@dataclass(frozen=True)
class Breach:
    """One breach recorded: the commitment as breached and the id of the entry recording it."""

    commitment: Commitment
    entry_id: str


def new_commitment(fields: Mapping[str, Any]) -> Commitment:
    """A commitment as signed, in the status its kind starts in; ``InvalidInput`` naming what is wrong."""
    kind = fields.get("kind")
    status = new_status(kind) if isinstance(kind, CommitmentKind) else None
    return valid(Commitment, **{**fields, "status": status})


def record_commitment(store: GraphStore, commitment: Commitment, clerk: Clerk) -> Commitment:
    """Record a new commitment received by the clerk's department (an admin may name any department).

    ``NotFound`` if the subject is not stored; ``Conflict`` if the id is taken.
    """
    if not clerk.admin and commitment.department != clerk.department:
        raise NotPermitted(
            f"department: {clerk.department!r} may record only commitments it receives itself "
            f"(got {commitment.department!r})"
        )
    if not store.get_subjects([commitment.subject_id]):
        raise NotFound(f"subject_id: no subject {commitment.subject_id!r} in the credit graph")
    if store.get_commitments(commitment_id=commitment.commitment_id):
        raise Conflict(
            f"commitment {commitment.commitment_id!r} already exists; choose another commitment_id"
        )
    store.save_commitment(commitment)
    return commitment


def get_commitment(store: GraphStore, commitment_id: str) -> Commitment:
    found = store.get_commitments(commitment_id=commitment_id)
    if not found:
        raise NotFound(f"commitment_id: no commitment {commitment_id!r}")
    return found[0]


def confirm_materials(store: GraphStore, commitment_id: str, *, day: dt.date, clerk: Clerk) -> Commitment:
    """The promised materials arrived on ``day``: the commitment is met (``Conflict`` if past its due day
    or not pending). Only the receiving department (or an admin) confirms."""
    commitment = _as_receiver(get_commitment(store, commitment_id), clerk)
    try:
        met = confirm(commitment, day=day, by=clerk.department)
    except CommitmentError as exc:
        raise Conflict(f"{exc.reason}; allowed: {', '.join(exc.allowed) or 'nothing'}") from exc
    store.save_commitment(met)
    return met


def publish(store: GraphStore, commitment_id: str, *, clerk: Clerk) -> Commitment:
    """Publish a commitment for public scrutiny (接受社会监督); publishing twice changes nothing."""
    commitment = _as_receiver(get_commitment(store, commitment_id), clerk)
    if commitment.published:
        return commitment
    published = commitment.model_copy(update={"published": True, "version": commitment.version + 1})
    store.save_commitment(published)
    return published


def record_breaches(
    store: GraphStore,
    catalog: Catalog,
    *,
    today: dt.date,
    now: dt.datetime,
    policy: Policy,
    breach_list: ListKind = ListKind.WATCH,
) -> list[Breach]:
    """Every pending 容缺受理 commitment past its due day becomes a breach, recorded as an entry.

    The entry (``CB-<commitment_id>``, on ``breach_list``, decided ``today`` by the receiving department,
    the act on the first day past ``due_on``) goes through ``create_entry`` first, then the commitment is
    marked breached naming it. Re-running after a crash between the two finds the entry stored and only
    marks the commitment, so a breach is never recorded twice.
    """
    breaches: list[Breach] = []
    for commitment in store.get_commitments(statuses=[CommitmentStatus.PENDING]):
        if not commitment.overdue_on(today):
            continue
        assert commitment.due_on is not None  # overdue_on needs one
        entry_id = breach_entry_id(commitment.commitment_id)
        if not store.get_entries([entry_id]):
            entry = ListEntry(
                entry_id=entry_id,
                subject_id=commitment.subject_id,
                list=breach_list,
                domain=commitment.domain,
                reason=f"未在承诺期限（{commitment.due_on}）内补齐容缺受理材料：{'、'.join(commitment.materials)}",
                act_on=commitment.due_on + dt.timedelta(days=1),
                decided_on=today,
                initiating_dept=commitment.department,
                basis=f"信用承诺 {commitment.commitment_id}",
                behaviour_code=_breach_behaviour(catalog, breach_list),
            )
            create_entry(store, catalog, entry, today=today, policy=policy, now=now)
        breached = breach(commitment, day=today, entry_id=entry_id)
        store.save_commitment(breached)
        breaches.append(Breach(breached, entry_id))
    return breaches


def _breach_behaviour(catalog: Catalog, breach_list: ListKind) -> str | None:
    """The behaviour list's item for a broken commitment, when the catalog has it for this list."""
    code = BREACH_BEHAVIOUR
    return code if code in catalog.codes and catalog.behaviour(code).list is breach_list else None


def _as_receiver(commitment: Commitment, clerk: Clerk) -> Commitment:
    if not clerk.admin and commitment.department != clerk.department:
        raise NotPermitted(
            f"commitment {commitment.commitment_id!r} was received by {commitment.department!r}; "
            f"{clerk.department!r} may not act on it"
        )
    return commitment
