"""The load door into the lifecycle: a loaded list decision is initiated, or a transition of a stored one.

The API, the loaders and peer sync are three doors into one lifecycle (docs/workflow.md). A loader
hands each validated entry row here with where it came from (:class:`LoadDoor`, file and line):

* a new entry is initiated exactly as the API initiates one (:func:`.steps.initiate`): its tasks for
  every implementing department, their webhook pushes, the feed event, and a first history record
  "created by load <file>:<line>" by the loading operator and the file's initiating department
  (发起 → 推送: 湖南省实施意见 (一)4; 本溪市实施方案 (十五));
* a stored entry that the row leaves as it is stays unchanged (a re-load creates nothing);
* a new status (``revoked``, ``repaired``) or new decision fields (validity, reason, basis …) are a
  transition through :func:`.steps.step` under the same rules as the API — version + 1, history, tasks
  lifted or recomputed, the feed event — and an illegal one is refused naming what is allowed.

Where an entry was decided (``source_region``) and who decided it (``initiating_dept``) never change by a
load (谁认定、谁修复: 安化县实施意见 (四)2).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from graph_service.domain.lifecycle import EntryAction
from graph_service.domain.measures import Catalog
from graph_service.domain.model import EntryStatus, ListEntry, StatusChange
from graph_service.errors import Conflict, GraphServiceError, InvalidInput, NotFound, NotPermitted
from graph_service.services.workflow.authority import Decider, require_initiating_dept
from graph_service.services.workflow.state import Policy
from graph_service.services.workflow.steps import initiate, step
from graph_service.store.base import GraphStore

#: Decision fields a later export of the same entry may change (through a transition).
AMENDABLE_FIELDS = (
    "list",
    "domain",
    "reason",
    "act_on",
    "decided_on",
    "valid_from",
    "valid_until",
    "basis",
    "responsible_person_ids",
)
#: What a row's status asks of a stored entry in another status.
_ACTIONS = {EntryStatus.REVOKED: EntryAction.REVOKE, EntryStatus.REPAIRED: EntryAction.REPAIR}

Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class LoadDoor:
    """What a load brings to the lifecycle: the catalog, the policy, who loads, and when.

    ``decider`` is the department a load acts for when a department's key uploads it through the API:
    it may bring only its own department's decisions (:func:`~.authority.require_initiating_dept`), as
    ``POST /v1/entries`` would. None for the operator's ``graph-service load`` (the credit office).
    """

    catalog: Catalog
    policy: Policy
    operator: str
    now: dt.datetime
    decider: Decider | None = None


def admit_entry(store: GraphStore, door: LoadDoor, entry: ListEntry, *, file: str, line: int) -> Outcome:
    """Initiate a loaded entry, or move a stored one through the lifecycle; what it did.

    Raises the lifecycle's refusals (``Conflict`` naming the allowed actions or the black entry that
    excludes a red one, ``InvalidInput``, ``NotFound``) for the loader to report as the row's reject.
    """
    return admit_decision(store, door, entry, by=f"load {file}:{line}")


def admit_decision(store: GraphStore, door: LoadDoor, entry: ListEntry, *, by: str) -> Outcome:
    """As :func:`admit_entry`, for a decision a load brings in some other way (``by`` says how, e.g. a
    catalog rule applied to the loaded facts): history reads "created by <by>", "<action> by <by>"."""
    if door.decider is not None:
        require_initiating_dept(entry, door.decider)
    actor = f"{door.operator} / {entry.initiating_dept}"
    stored = store.get_entries([entry.entry_id]).get(entry.entry_id)
    if stored is None:
        first = StatusChange(
            entry_id=entry.entry_id,
            from_status=None,
            to_status=entry.status,
            at=door.now,
            actor=actor,
            reason=f"created by {by}",
        )
        initiate(store, door.catalog, entry, policy=door.policy, now=door.now, first=first)
        return "created"
    return _transition(store, door, stored, entry, actor=actor, where=by)


def _transition(
    store: GraphStore, door: LoadDoor, stored: ListEntry, row: ListEntry, *, actor: str, where: str
) -> Outcome:
    if row.subject_id != stored.subject_id:
        raise InvalidInput.for_field(
            "subject_id",
            row.subject_id,
            f"entry {stored.entry_id!r} is on {stored.subject_id}; an entry's "
            "subject never changes (list a new entry)",
        )
    if row.initiating_dept != stored.initiating_dept:
        raise InvalidInput.for_field(
            "initiating_dept",
            row.initiating_dept,
            f"entry {stored.entry_id!r} was listed by "
            f"{stored.initiating_dept!r}; who decided an entry never changes",
        )
    changes = {f: getattr(row, f) for f in AMENDABLE_FIELDS if getattr(row, f) != getattr(stored, f)}
    action = _action(stored.status, row.status)
    if action is None and not changes:
        return "unchanged"
    if action is None:
        action = EntryAction.AMEND
        if stored.status is not EntryStatus.ACTIVE:
            raise Conflict(
                f"entry {stored.entry_id!r} is {stored.status.value}: its decision fields "
                f"({', '.join(sorted(changes))}) no longer change by a load",
                errors=[{"state": stored.status.value, "action": "amend", "allowed": []}],
            )
    step(
        store,
        stored,
        action,
        actor=actor,
        now=door.now,
        reason=f"{action.value} by {where}",
        changes=changes,
        catalog=door.catalog,
        policy=door.policy,
    )
    return "updated"


def _action(stored: EntryStatus, wanted: EntryStatus) -> EntryAction | None:
    """The action a row's status asks of a stored entry, None for none; ``Conflict`` if no load can."""
    if wanted is stored or (stored is EntryStatus.SUSPENDED and wanted is EntryStatus.ACTIVE):
        return None  # a suspension is this county's exclusion rule, not the export's to undo
    if wanted in _ACTIONS:
        return _ACTIONS[wanted]
    via = "filed through the API" if wanted is EntryStatus.DISPUTED else "resolved through the API"
    raise Conflict(
        f"entry is {stored.value}; a load cannot make it {wanted.value}: disputes are {via}",
        errors=[
            {"state": stored.value, "action": wanted.value, "allowed": sorted(a.value for a in _ACTIONS)}
        ],
    )


#: The errors one row can cause: reported as its reject, never stopping the load.
ROW_REFUSALS: tuple[type[GraphServiceError], ...] = (Conflict, InvalidInput, NotFound, NotPermitted)
