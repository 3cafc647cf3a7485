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
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Literal

from graph_service.domain.lifecycle import EntryAction
from graph_service.domain.measures import Catalog
from graph_service.domain.model import EntryStatus, ListEntry, StatusChange
from graph_service.errors import Conflict, GraphServiceError, InvalidInput, NotFound, NotPermitted
from graph_service.services.workflow.authority import Decider, require_initiating_dept
from graph_service.services.workflow.state import Policy
from graph_service.services.workflow.steps import LifecycleReads, StepWriter, initiate, step
from graph_service.store.base import GraphStore
from graph_service.store.workflow_port import EntryStep

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


def admit_entry(
    store: GraphStore,
    door: LoadDoor,
    entry: ListEntry,
    *,
    file: str,
    line: int,
    write: StepWriter | None = None,
    reads: LifecycleReads | None = None,
) -> Outcome:
    """Initiate a loaded entry, or move a stored one through the lifecycle; what it did.

    Raises the lifecycle's refusals (``Conflict`` naming the allowed actions or the black entry that
    excludes a red one, ``InvalidInput``, ``NotFound``) for the loader to report as the row's reject.
    ``write`` takes the entry's steps instead of ``store.write_step`` (a :class:`StepBuffer`'s writer);
    ``reads`` answers the reads instead of the store (a batch's :class:`~.batch_reads.BatchReads`).
    """
    return admit_decision(store, door, entry, by=f"load {file}:{line}", write=write, reads=reads)


def admit_decision(
    store: GraphStore,
    door: LoadDoor,
    entry: ListEntry,
    *,
    by: str,
    write: StepWriter | None = None,
    reads: LifecycleReads | None = None,
) -> Outcome:
    """As :func:`admit_entry`, for a decision a load brings in some other way (``by`` says how, e.g. a
    catalog rule applied to the loaded facts): history reads "created by <by>", "<action> by <by>"."""
    if door.decider is not None:
        require_initiating_dept(entry, door.decider)
    actor = f"{door.operator} / {entry.initiating_dept}"
    stored = (store if reads is None else reads).get_entries([entry.entry_id]).get(entry.entry_id)
    if stored is None:
        first = StatusChange(
            entry_id=entry.entry_id,
            from_status=None,
            to_status=entry.status,
            at=door.now,
            actor=actor,
            reason=f"created by {by}",
        )
        initiate(
            store,
            door.catalog,
            entry,
            policy=door.policy,
            now=door.now,
            first=first,
            write=write,
            reads=reads,
        )
        return "created"
    return _transition(store, door, stored, entry, actor=actor, where=by, write=write, reads=reads)


def _transition(
    store: GraphStore,
    door: LoadDoor,
    stored: ListEntry,
    row: ListEntry,
    *,
    actor: str,
    where: str,
    write: StepWriter | None,
    reads: LifecycleReads | None,
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
        write=write,
        reads=reads,
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


#: Steps a load writes per transaction at most (plus the few a row's last step brings with it).
STEPS_PER_WRITE = 500


class StepBuffer:
    """A load's workflow steps held back and written a chunk at a time (:meth:`WorkflowPort.write_steps`).

    One transaction (on the embedded store: one journal commit and fsync) per step made a loaded entry
    cost milliseconds. Holding steps back must not change what a later row reads: before a row whose
    entry or subject a held step touches, :meth:`holds` says so and the caller flushes first (a row's
    reads are of its own entry and subject). Each held step carries a tag naming the row it is for, so a
    step the store refuses at the flush is reported as that row's reject.
    """

    def __init__(self, store: GraphStore, limit: int | None = None) -> None:
        self._store = store
        self._limit = STEPS_PER_WRITE if limit is None else limit
        self._steps: list[tuple[Hashable, EntryStep]] = []
        self._keys: set[str] = set()

    def holds(self, entry: ListEntry) -> bool:
        """Whether a held step touches ``entry`` or its subject (flush before admitting it)."""
        return entry.entry_id in self._keys or entry.subject_id in self._keys

    @property
    def full(self) -> bool:
        return len(self._steps) >= self._limit

    @property
    def touched(self) -> frozenset[str]:
        """The entry ids and subject keys the held steps write (what a read made before is stale for)."""
        return frozenset(self._keys)

    def writer(self, tag: Hashable) -> StepWriter:
        """A ``write`` for :func:`admit_entry` that holds the row ``tag``'s steps back."""

        def hold(entry_step: EntryStep) -> None:
            self._steps.append((tag, entry_step))
            if entry_step.entry is not None:
                self._keys.update((entry_step.entry.entry_id, entry_step.entry.subject_id))

        return hold

    def flush(self) -> dict[Hashable, GraphServiceError]:
        """Write the held steps in one transaction; the tags of the rows the store refused, with why.

        If the store refuses the chunk, it is written again step by step so that only the refused rows
        fail (with the store's own message); a refused row's later steps are dropped, as they would have
        been had it been written at once.
        """
        held, self._steps, self._keys = self._steps, [], set()
        if not held:
            return {}
        try:
            self._store.write_steps([entry_step for _, entry_step in held])
            return {}
        except ROW_REFUSALS:
            pass
        refused: dict[Hashable, GraphServiceError] = {}
        for tag, entry_step in held:
            if tag in refused:
                continue
            try:
                self._store.write_step(entry_step)
            except ROW_REFUSALS as exc:
                refused[tag] = exc
        return refused
