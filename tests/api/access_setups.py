"""Fresh workflow state for the access table, made once before each call that needs it.

Filing a dispute, resolving it, deciding a repair or revoking an entry is valid once per entry, yet the
access table sends every call once per role on one app. A ``setup`` below makes what one call needs (a new
entry, a disputed entry, a pending repair, a pending task) straight through the workflow service and
returns the values of the call's ``{placeholders}``, so every role meets the same valid request.

The entries are on ``ORG``, whose legal representative ``PERSON`` is a real ID number: the entry's tasks
and links name a person, which the ID-exposure scan then looks for in every answer.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

from graph_service.domain.model import ListEntry
from graph_service.services.workflow import entries as workflow
from graph_service.services.workflow import repairs
from graph_service.services.workflow.state import Policy, entry_state
from tests.api.security_support import IMPLEMENTING_DEPT, KEYS, ORG, PERSON, SecApi
from tests.factories import make_entry

Setup = Callable[[SecApi], dict[str, str]]

#: The initiator key's name: decisions on an entry belong to the department that listed it (谁认定、谁修复).
INITIATING_DEPT = next(info["name"] for info in KEYS.values() if info["role"] == "initiator")
_ACT_ON = dt.date(2024, 1, 2)  # PERSON has been ORG's legal representative since 2016
_numbers = itertools.count(1)


def entry_body(entry_id: str) -> dict[str, Any]:
    """The JSON body that initiates entry ``entry_id`` (may be a ``{placeholder}``) on ORG."""
    return {**_entry("E-AC-0").model_dump(mode="json"), "entry_id": entry_id}


def new_entry_id(api: SecApi) -> dict[str, str]:
    """An entry id no call has used yet (for ``POST /v1/entries``)."""
    return {"entry_id": f"E-AC-{next(_numbers)}"}


def active_entry(api: SecApi) -> dict[str, str]:
    """A newly initiated active entry with its tasks; ``{entry_id}``."""
    entry_id = new_entry_id(api)["entry_id"]
    ctx = api.app.state.ctx
    state = workflow.create_entry(
        api.store, ctx.catalog, _entry(entry_id), today=dt.date.today(), policy=Policy()
    )
    assert state.tasks, f"entry {entry_id} created no tasks: the task rows would test nothing"
    return {"entry_id": entry_id}


def disputed_entry(api: SecApi) -> dict[str, str]:
    """An entry with one open dispute; ``{entry_id}`` and ``{dispute_id}``."""
    entry_id = active_entry(api)["entry_id"]
    dispute = workflow.file_dispute(
        api.store,
        entry_id,
        grounds="税款已缴清",
        filed_by=ORG.name,
        actor=INITIATING_DEPT,
        now=dt.datetime.now(dt.UTC),
        policy=Policy(),
    )
    return {"entry_id": entry_id, "dispute_id": dispute.dispute_id}


def pending_repair(api: SecApi) -> dict[str, str]:
    """An active entry with a pending repair application; ``{repair_id}``."""
    entry_id = active_entry(api)["entry_id"]
    repair = repairs.apply_for_repair(
        api.store, entry_id, evidence="已整改", applied_by=ORG.name, now=dt.datetime.now(dt.UTC)
    )
    return {"repair_id": repair.repair_id}


def pending_task(api: SecApi) -> dict[str, str]:
    """A pending task of the implementer key's department on a new entry, one that names PERSON (a
    measure on the legal representative)."""
    entry_id = active_entry(api)["entry_id"]
    tasks = entry_state(api.store, entry_id).tasks
    personal = [t for t in tasks if t.subject_id == PERSON.key and t.department == IMPLEMENTING_DEPT]
    assert personal, [t.subject_id for t in tasks]
    return {"task_id": personal[0].task_id}


def _entry(entry_id: str) -> ListEntry:
    return make_entry(entry_id, ORG.uscc, act_on=_ACT_ON, initiating_dept=INITIATING_DEPT)
