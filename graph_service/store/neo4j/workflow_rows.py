"""Workflow records as ``:WorkflowRecord`` node properties (written by the steps, the record writes and
the bulk import alike).

Records are keyed by ``(kind, key)`` and hold the validated model as JSON in ``doc``; copies of
``entry_id``, ``department``, ``status`` and ``version`` are kept for filtering.
"""

from __future__ import annotations

from typing import Literal

from graph_service.domain.webhooks import Delivery
from graph_service.domain.workflow import Dispute, RepairApplication, Task
from graph_service.store.neo4j.mapping import Props

Kind = Literal["task", "dispute", "repair", "delivery"]


def record_row(record: Task | Dispute | RepairApplication | Delivery) -> Props:
    """The ``WorkflowRecord`` node properties of one record, as ``put_workflow_records`` stores them."""
    if isinstance(record, Task):
        return _row("task", record.task_id, record, record.department, record.status, record.version)
    if isinstance(record, Dispute):
        return _row("dispute", record.dispute_id, record, None, record.status, 1)
    if isinstance(record, RepairApplication):
        return _row("repair", record.repair_id, record, None, record.status, 1)
    return _row("delivery", record.delivery_id, record, record.department, record.status, record.version)


def _row(
    kind: Kind,
    key: str,
    record: Task | Dispute | RepairApplication | Delivery,
    department: str | None,
    status: str,
    version: int,
) -> Props:
    return {
        "kind": kind,
        "key": key,
        "entry_id": record.entry_id,
        "department": department,
        "status": str(status),
        "version": version,
        "doc": record.model_dump_json(),
    }
