"""The workflow port: an entry's steps (status, tasks, disputes, repairs, pushes) and the workflow's reads.

A workflow step is one value, :class:`EntryStep`, written by one call, :meth:`WorkflowPort.write_step`, in
one transaction (many steps in one: :meth:`WorkflowPort.write_steps`): an entry's status, its tasks and
their webhook pushes change together or not at all. The step checks itself when it is made (what needs
nothing stored); :meth:`EntryStep.require_against` checks it against what the backend read (what does), so
both backends refuse the same steps alike.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass

from graph_service.domain.model import EntryFilter, ListEntry, StatusChange
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.webhooks import Delivery, DeliveryStatus
from graph_service.domain.workflow import Dispute, RepairApplication, Task, TaskFilter
from graph_service.errors import Conflict, InvalidInput
from graph_service.store import contract
from graph_service.store.contract import StoredForStep


@dataclass(frozen=True, init=False)
class EntryStep:
    """Everything one workflow step writes, valid in itself (``InvalidInput`` / ``Conflict`` otherwise).

    ``creates``: ``entry`` is new; ``change``, if given, is its first status change (from nothing to its
    status: who initiated it and how, e.g. a load's file and line), else the store writes one by the
    initiating department. Its ``links``, ``tasks`` and ``deliveries`` belong to it, and a new entry has
    no dispute or repair.
    Otherwise ``entry`` (the next version) comes with its ``change``, or both are None and the entry stays
    as it is; ``links``, if given, replace the entry's personal links and need a new entry version.
    Tasks are version 1 (new) or their stored version + 1; deliveries are new records at version 1.
    """

    entry: ListEntry | None
    change: StatusChange | None
    tasks: tuple[Task, ...]
    links: tuple[PersonalLink, ...] | None
    dispute: Dispute | None
    repair: RepairApplication | None
    deliveries: tuple[Delivery, ...]
    creates: bool

    def __init__(
        self,
        entry: ListEntry | None = None,
        change: StatusChange | None = None,
        *,
        tasks: Sequence[Task] = (),
        links: Sequence[PersonalLink] | None = None,
        dispute: Dispute | None = None,
        repair: RepairApplication | None = None,
        deliveries: Sequence[Delivery] = (),
        creates: bool = False,
    ) -> None:
        set_field = object.__setattr__  # a frozen dataclass with its own __init__ sets fields this way
        set_field(self, "entry", entry)
        set_field(self, "change", change)
        set_field(self, "tasks", tuple(tasks))
        set_field(self, "links", None if links is None else tuple(links))
        set_field(self, "dispute", dispute)
        set_field(self, "repair", repair)
        set_field(self, "deliveries", tuple(deliveries))
        set_field(self, "creates", creates)
        self._validate()

    @classmethod
    def create(
        cls,
        entry: ListEntry,
        links: Sequence[PersonalLink] = (),
        tasks: Sequence[Task] = (),
        *,
        deliveries: Sequence[Delivery] = (),
        first: StatusChange | None = None,
    ) -> EntryStep:
        """The step that initiates ``entry`` with its personal links, its tasks and their pushes.

        ``first`` is the entry's first history record (default: by its initiating department).
        """
        return cls(entry, first, tasks=tasks, links=links, deliveries=deliveries, creates=True)

    def _validate(self) -> None:
        if self.creates:
            self._validate_creation()
        else:
            self._validate_change()
        for i, link in enumerate(self.links or ()):
            assert self.entry is not None  # _validate_* refuse links without an entry
            if link.entry_id != self.entry.entry_id:
                raise InvalidInput.for_field(
                    f"links[{i}].entry_id", link.entry_id, f"must be the entry's id {self.entry.entry_id!r}"
                )
        for delivery in self.deliveries:
            if delivery.version != 1:
                contract.require_new_deliveries({}, [delivery])

    def _validate_creation(self) -> None:
        if self.entry is None:
            raise InvalidInput.for_field("entry", None, "a step that creates an entry needs the entry")
        first = self.change
        if first is not None and (
            first.entry_id != self.entry.entry_id
            or first.from_status is not None
            or first.to_status is not self.entry.status
        ):
            raise InvalidInput.for_field(
                "change", first, "a new entry's first status change is from nothing to its status"
            )
        if self.dispute is not None or self.repair is not None:
            raise InvalidInput.for_field("dispute", self.dispute, "a new entry has no dispute or repair yet")
        for task in self.tasks:
            if task.entry_id != self.entry.entry_id:
                raise InvalidInput.for_field(
                    "tasks.entry_id", task.entry_id, f"must be {self.entry.entry_id!r}"
                )
        contract.require_next_task_versions({}, self.tasks)

    def _validate_change(self) -> None:
        if (self.entry is None) != (self.change is None):
            raise InvalidInput.for_field(
                "change", self.change, "an entry and its status change come together"
            )
        if self.links is not None and self.entry is None:
            raise InvalidInput.for_field(
                "links", len(self.links), "links are replaced only with a new entry version"
            )
        if self.entry is None or self.change is None:
            return
        if self.change.entry_id != self.entry.entry_id:
            raise InvalidInput.for_field(
                "change.entry_id", self.change.entry_id, f"must be the entry's id {self.entry.entry_id!r}"
            )
        if self.change.to_status != self.entry.status:
            raise InvalidInput.for_field(
                "change.to_status",
                self.change.to_status,
                f"must be the new status {self.entry.status.value!r}",
            )

    @property
    def entry_id(self) -> str | None:
        """The id of the entry the step creates or changes, if any."""
        return None if self.entry is None else self.entry.entry_id

    @property
    def record_entry_ids(self) -> list[str]:
        """Entries the step's records belong to that must be stored already (not one it creates)."""
        named = [
            r.entry_id for r in (self.dispute, self.repair, *self.deliveries, *self.tasks) if r is not None
        ]
        created = self.entry_id if self.creates else None
        return [entry_id for entry_id in dict.fromkeys(named) if entry_id != created]

    def require_against(self, stored: StoredForStep) -> None:
        """Check the step against what the backend read: ``NotFound``, ``Conflict`` before any write.

        A created entry must not be stored; a changed one must be at the version before ``entry``. The
        records' entries must be stored, tasks at their next version and deliveries new.
        """
        if self.entry is not None:
            if self.creates and stored.entry is not None:
                raise Conflict(f"entry {self.entry.entry_id!r} already exists; choose another entry_id")
            if not self.creates:
                assert self.change is not None  # _validate_change pairs them
                contract.require_next_entry_version(self.entry, self.change, stored.entry)
        contract.require_entries_stored(stored.missing_entries)
        contract.require_next_task_versions(stored.tasks, self.tasks)
        contract.require_new_deliveries(stored.deliveries, self.deliveries)


class WorkflowPort(abc.ABC):
    """The workflow's records (tasks, disputes, repair applications, the webhook outbox) and entry pages."""

    @abc.abstractmethod
    def write_step(self, step: EntryStep) -> None:
        """Write one workflow step in ONE transaction, or nothing (see :class:`EntryStep`).

        A created entry gets its first status change; a changed one its next version and ``change``.
        ``NotFound`` names the missing subject, person or entry; ``Conflict`` if the entry exists (when
        created) or is not at the version before, or a task or delivery is not at its next version.
        Disputes and repairs are created or replaced by id.
        """

    @abc.abstractmethod
    def write_steps(self, steps: Sequence[EntryStep]) -> None:
        """Write ``steps`` in order in ONE transaction: all of them, or nothing.

        Each step is checked against the stored state as the steps before it in ``steps`` leave it, so
        the effect equals :meth:`write_step` of each in turn, except that a refused step (``NotFound``,
        ``Conflict`` as there) leaves none of them written. For writers with many steps at once (a load's
        entries): one commit instead of one per step. Callers bound the number of steps per call.
        """

    @abc.abstractmethod
    def save_task_feedback(self, task: Task) -> None:
        """Store a task's new version (its feedback).

        ``NotFound`` if not stored, ``Conflict`` unless it is the stored version + 1
        (:func:`contract.require_stored_task`, :func:`contract.require_next_task_versions`).
        """

    @abc.abstractmethod
    def save_delivery(self, delivery: Delivery) -> None:
        """Store a webhook delivery's next version (an attempt, a lease, a requeue).

        ``NotFound`` if it is not stored; ``Conflict`` unless it is the stored version + 1 (another sender
        took it meanwhile): :func:`contract.require_next_delivery_version` on the stored one.
        """

    @abc.abstractmethod
    def get_deliveries(
        self, *, statuses: frozenset[DeliveryStatus] | None = None, delivery_id: str | None = None
    ) -> list[Delivery]:
        """Webhook deliveries (the outbox) in ``statuses`` and/or with one id (None = any), by id."""

    def list_entries(
        self, flt: EntryFilter | None = None, *, after: str | None = None, limit: int = 100
    ) -> list[ListEntry]:
        """One page of entries passing ``flt``: ids above ``after``, by ``entry_id``, ``limit`` at most.

        Keyset paging: pass the last ``entry_id`` of a page as ``after`` to get the next one. ``limit``
        must be 0 or more (``InvalidInput``).
        """
        contract.require_not_negative("limit", limit)
        return self._list_entries(flt, after, limit) if limit else []

    @abc.abstractmethod
    def _list_entries(self, flt: EntryFilter | None, after: str | None, limit: int) -> list[ListEntry]:
        """One page of at least one entry, as :meth:`list_entries` (``limit`` checked, above zero)."""

    @abc.abstractmethod
    def get_tasks(self, flt: TaskFilter) -> list[Task]:
        """Tasks passing ``flt``, sorted by ``task_id``."""

    @abc.abstractmethod
    def get_task(self, task_id: str) -> Task | None:
        """One task by id, or None."""

    @abc.abstractmethod
    def get_disputes(self, *, entry_id: str | None = None, dispute_id: str | None = None) -> list[Dispute]:
        """Disputes of one entry and/or with one id (None = any), sorted by ``dispute_id``."""

    @abc.abstractmethod
    def get_repairs(
        self, *, entry_id: str | None = None, repair_id: str | None = None
    ) -> list[RepairApplication]:
        """Repair applications of one entry and/or with one id (None = any), sorted by ``repair_id``."""
