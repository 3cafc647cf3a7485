"""The checks of the store contract, written once for every backend.

A port method checks its arguments here, then calls the backend's ``_method``; a backend that reads what
is stored (a task's version, an entry's status, a peer's cursor) hands it to the ``require_*`` helper
below rather than repeating the rule. So both backends refuse the same requests with the same error.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from graph_service.domain.model import (
    EntryFilter,
    EntryStatus,
    ListEntry,
    Person,
    StatusChange,
    is_unresolved_key,
)
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.pseudonyms import is_pseudonymous_key
from graph_service.domain.webhooks import Delivery
from graph_service.domain.workflow import Task
from graph_service.errors import Conflict, InvalidInput, NotFound

#: The most feed events one read may ask for.
MAX_FEED_PAGE = 10_000


def require_not_negative(name: str, value: int) -> None:
    """``InvalidInput`` if a limit is negative (zero is allowed and answers nothing)."""
    if value < 0:
        raise InvalidInput.for_field(name, value, "must be zero or more")


def require_rows_of_type(rows: Sequence[object], expected: type) -> None:
    """``InvalidInput`` naming the first row of a batch that is not an ``expected``."""
    for i, row in enumerate(rows):
        if not isinstance(row, expected):
            raise InvalidInput.for_field(f"rows[{i}]", type(row).__name__, f"must be a {expected.__name__}")


def require_pseudonyms(values: Sequence[str]) -> None:
    """``InvalidInput`` for a value that is not a pseudonymous person key ``~p~<kid>~<hex>``."""
    for value in values:
        if not is_pseudonymous_key(value):
            raise InvalidInput.for_field("pseudonyms", value, "is not a pseudonym ~p~<key id>~<64 hex>")


def require_resolvable(unresolved_key: str, person: Person) -> None:
    """The arguments of a person merge: an unresolved key, merged into a person with a full ID number."""
    if not is_unresolved_key(unresolved_key):
        raise InvalidInput.for_field(
            "unresolved_key", unresolved_key, "must be an unresolved key ~<uscc>~<name>"
        )
    if person.unresolved:
        raise InvalidInput.for_field("person.key", person.key, "must be a full ID number to resolve into")


def require_links_of_entries(links_by_entry: Mapping[str, Sequence[PersonalLink]]) -> None:
    """``InvalidInput`` if a link is given for another entry than the one it names."""
    for entry_id, links in links_by_entry.items():
        for i, link in enumerate(links):
            if link.entry_id != entry_id:
                raise InvalidInput.for_field(
                    f"links[{entry_id}][{i}].entry_id",
                    link.entry_id,
                    f"must be the entry it is given for ({entry_id})",
                )


def entry_matches(entry: ListEntry, flt: EntryFilter) -> bool:
    """Whether an entry passes a filter; the one rule both backends apply."""
    if flt.lists is not None and entry.list not in flt.lists:
        return False
    if flt.statuses is not None and entry.status not in flt.statuses:
        return False
    return flt.in_validity_on is None or entry.in_validity(flt.in_validity_on)


# ---- the change feed -----------------------------------------------------------------------------------


def require_feed_range(after: int, limit: int) -> None:
    """The arguments of a feed read: a position of zero or more, a page of 1..``MAX_FEED_PAGE`` events."""
    if after < 0:
        raise InvalidInput.for_field("after", after, "must be zero or more")
    if not 1 <= limit <= MAX_FEED_PAGE:
        raise InvalidInput.for_field("limit", limit, f"must be between 1 and {MAX_FEED_PAGE}")


def require_cursor(peer: str, stored: str | None, expected: str | None) -> None:
    """``Conflict`` unless the peer's stored cursor is the one the page was fetched after."""
    if stored != expected:
        raise Conflict(
            f"the cursor of peer {peer!r} moved meanwhile (another sync of it ran): stored {stored!r}, "
            f"this page was fetched after {expected!r}; nothing was written, fetch again"
        )


# ---- entry versions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredEntry:
    """What a versioned write of an entry needs to know of the stored one."""

    version: int
    status: EntryStatus


#: Why an optimistic write of a record was refused, as the person who sent it should read it.
CHANGED = "it changed meanwhile, reload it"


def _require_next_version(what: str, stored: int, given: int, why: str = CHANGED, note: str = "") -> None:
    """``Conflict`` unless ``given`` is ``stored`` + 1 (a record never stored is at version 0)."""
    if given != stored + 1:
        raise Conflict(
            f"{what} is at version {stored}{note}; the new version must be {stored + 1}, got {given}: {why}"
        )


def require_next_entry_version(entry: ListEntry, change: StatusChange, stored: StoredEntry | None) -> None:
    """A transition is of a stored entry, to its next version, from the status it has now.

    ``NotFound`` if the entry is not stored, ``Conflict`` unless ``entry.version`` is the stored version
    + 1 (it changed meanwhile), ``InvalidInput`` if ``change`` does not start from the stored status.
    """
    if stored is None:
        raise NotFound(f"entry {entry.entry_id!r} is not stored; nothing to transition")
    _require_next_version(
        f"entry {entry.entry_id!r}",
        stored.version,
        entry.version,
        CHANGED,
        f" (status {stored.status.value})",
    )
    if change.from_status != stored.status:
        raise InvalidInput.for_field(
            "change.from_status", change.from_status, f"must be the stored status {stored.status.value!r}"
        )


def require_next_task_versions(stored: Mapping[str, Task], tasks: Sequence[Task]) -> None:
    """Optimistic check: a new task is version 1, a stored one its stored version + 1, else ``Conflict``."""
    for task in tasks:
        current = stored.get(task.task_id)
        _require_next_version(
            f"task {task.task_id!r}", 0 if current is None else current.version, task.version
        )


def require_stored_task(task_id: str, stored: Task | None) -> None:
    """``NotFound`` if a task to give feedback on is not stored."""
    if stored is None:
        raise NotFound(f"task {task_id!r} is not stored")


# ---- the webhook outbox --------------------------------------------------------------------------------


def require_new_deliveries(stored: Mapping[str, Delivery], deliveries: Sequence[Delivery]) -> None:
    """Deliveries written with a workflow step are new records at version 1, else ``Conflict``."""
    for delivery in deliveries:
        if delivery.version != 1 or delivery.delivery_id in stored:
            raise Conflict(
                f"delivery {delivery.delivery_id!r} already exists or is not version 1 "
                f"(got version {delivery.version}): the task change was pushed already"
            )


def require_next_delivery_version(stored: Delivery | None, delivery: Delivery) -> None:
    """``NotFound`` if not stored; ``Conflict`` unless ``delivery`` is the stored version + 1."""
    if stored is None:
        raise NotFound(f"delivery {delivery.delivery_id!r} is not stored")
    _require_next_version(
        f"delivery {delivery.delivery_id!r}",
        stored.version,
        delivery.version,
        "another sender took it meanwhile",
    )


# ---- a workflow step -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredForStep:
    """What a backend reads before writing an :class:`~graph_service.store.workflow_port.EntryStep`."""

    entry: StoredEntry | None = None
    missing_entries: Collection[str] = ()
    tasks: Mapping[str, Task] = field(default_factory=dict)
    deliveries: Mapping[str, Delivery] = field(default_factory=dict)


def require_entries_stored(missing: Collection[str]) -> None:
    """``NotFound`` naming every entry a step's records belong to that is not stored."""
    if missing:
        raise NotFound(f"entries not stored: {', '.join(sorted(missing))}; nothing was written")
