"""Fresh state for the access table's webhook rows: a dead letter to requeue, made once per call."""

from __future__ import annotations

import datetime as dt
import itertools

from graph_service.domain.webhooks import failed
from graph_service.services.workflow import entries as workflow
from graph_service.services.workflow.state import Policy
from tests.api.security_support import ORG, SecApi
from tests.factories import make_entry

DEPARTMENT = "市场监管部门"  # implements market_ban on ORG: every new black entry gives it a task
_numbers = itertools.count(1)


def dead_letter(api: SecApi) -> dict[str, str]:
    """A new entry whose first push to ``DEPARTMENT`` failed for good; ``{delivery_id}``."""
    entry = make_entry(f"E-DL-{next(_numbers)}", ORG.uscc, act_on=dt.date(2024, 1, 2))
    policy = Policy(push_to=frozenset({DEPARTMENT}))
    workflow.create_entry(api.store, api.app.state.ctx.catalog, entry, today=dt.date.today(), policy=policy)
    pending = [d for d in api.store.get_deliveries() if d.entry_id == entry.entry_id]
    assert pending, f"entry {entry.entry_id} pushed nothing to {DEPARTMENT}: the row would test nothing"
    now = dt.datetime.now(dt.UTC)
    api.store.save_delivery(failed(pending[0], now, "HTTP 500", max_attempts=1, base_s=1, cap_s=1))
    return {"delivery_id": pending[0].delivery_id}
