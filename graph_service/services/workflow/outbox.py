"""The webhook outbox of a workflow step: which task changes are pushed, written with the step itself.

Only departments that registered a webhook (``push_to``) get deliveries; the others pull their tasks.
The deliveries go into the same store call as the task changes (a transactional outbox), so a change is
never pushed without being stored, nor stored without its push.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from graph_service.domain.webhooks import Delivery, new_delivery
from graph_service.domain.workflow import Task


def pushes(
    before: Iterable[Task], changed: Iterable[Task], push_to: frozenset[str], now: dt.datetime
) -> list[Delivery]:
    """Deliveries for the ``changed`` tasks of departments in ``push_to`` (``before``: their stored state)."""
    if not push_to:
        return []
    stored = {task.task_id: task for task in before}
    found: list[Delivery] = []
    for task in changed:
        if task.department in push_to:
            delivery = new_delivery(stored.get(task.task_id), task, now)
            if delivery is not None:
                found.append(delivery)
    return found
