"""What the workflow's use cases share: the configurable policy, the entry's full state, error mapping.

Split from :mod:`graph_service.services.workflow.entries` to keep each module small.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from graph_service.domain.bounds import check_safe_id
from graph_service.domain.lifecycle import (
    DISPUTE_VERIFICATION_DAYS,
    FEEDBACK_DAY_OF_MONTH,
    IllegalTransition,
    is_expired,
)
from graph_service.domain.model import ListEntry, StatusChange
from graph_service.domain.workflow import Dispute, RepairApplication, Task, TaskFilter, shown_status
from graph_service.errors import Conflict, InvalidInput, NotFound
from graph_service.store.base import GraphStore

_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True)
class Policy:
    """The configurable rules: deadlines (Settings ``feedback_day_of_month``, ``dispute_days``) and the
    departments whose task changes are pushed to a webhook (Settings ``webhooks``)."""

    feedback_day_of_month: int = FEEDBACK_DAY_OF_MONTH
    dispute_days: int = DISPUTE_VERIFICATION_DAYS
    push_to: frozenset[str] = field(default_factory=frozenset)
    home_region: str | None = None  # Settings ``region``; None: every entry is decided here


class EntryState(BaseModel):
    """An entry with everything the workflow keeps about it."""

    entry: ListEntry
    expired: bool = Field(
        default=False, description="Past valid_until: enforced nowhere; its tasks show as lifted"
    )
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
    """The stored entry, or ``NotFound``; an id no entry can have (see ``SAFE_ID_PATTERN``) is 422."""
    check_safe_id("entry_id", entry_id)
    entry = store.get_entries([entry_id]).get(entry_id)
    if entry is None:
        raise NotFound(f"entry {entry_id!r} is not stored")
    return entry


def entry_state(store: GraphStore, entry_id: str, *, today: dt.date | None = None) -> EntryState:
    """The entry, its history, tasks, disputes and repair applications.

    Given ``today``, an entry past its ``valid_until`` is flagged ``expired`` and its tasks shown lifted
    at once (lazy expiry; ``graph-service workflow expire`` stores it). Without, the stored state as is.
    """
    entry = get_entry(store, entry_id)
    tasks = store.get_tasks(TaskFilter(entry_id=entry_id))
    expired = today is not None and is_expired(entry.valid_until, today)
    if today is not None and expired:
        tasks = [_as_shown(task, entry, today) for task in tasks]
    return EntryState(
        entry=entry,
        expired=expired,
        history=store.entry_history(entry_id),
        tasks=tasks,
        disputes=store.get_disputes(entry_id=entry_id),
        repairs=store.get_repairs(entry_id=entry_id),
    )


def valid(model: type[_M], **fields: Any) -> _M:
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


def _as_shown(task: Task, entry: ListEntry, today: dt.date) -> Task:
    shown = shown_status(task, entry, today)
    if shown is task.status:
        return task
    return task.model_copy(update={"status": shown, "previous_status": None})
