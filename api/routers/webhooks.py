"""``/v1/webhooks``: the state of the task push, for admins — targets, dead letters, requeue.

Webhooks are configured (not registered over the API): ``GRAPH_SERVICE_WEBHOOKS`` maps an implementing
department to its URL and secret, so secrets live with the other secrets of the deployment and never in
the graph store or an answer. See docs/workflow.md for signing and retries.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.clock import NowDep
from api.deps import AdminCaller, AuditDep, SettingsDep, StoreDep
from api.errors import PROBLEM_RESPONSES
from api.responses import respond
from graph_service.domain.webhooks import Delivery, DeliveryStatus
from graph_service.services.workflow import delivery

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=PROBLEM_RESPONSES)


class WebhookInfo(BaseModel):
    department: str
    url: str
    pending: int = Field(description="Deliveries waiting to be sent or retried")
    dead: int = Field(description="Deliveries given up on (see /v1/webhooks/dead-letters)")


class WebhookList(BaseModel):
    webhooks: list[WebhookInfo]


class DeadLetters(BaseModel):
    deliveries: list[Delivery]


@router.get("", response_model=WebhookList, summary="Configured webhooks and their queues")
def list_webhooks(caller: AdminCaller, store: StoreDep, settings: SettingsDep) -> JSONResponse:
    """Each department's webhook URL (never its secret) with its pending and dead deliveries."""
    open_ones = store.get_deliveries(statuses=frozenset({DeliveryStatus.PENDING, DeliveryStatus.DEAD}))
    infos = [
        WebhookInfo(
            department=department,
            url=hook.url,
            pending=sum(d.department == department and d.status is DeliveryStatus.PENDING for d in open_ones),
            dead=sum(d.department == department and d.status is DeliveryStatus.DEAD for d in open_ones),
        )
        for department, hook in sorted(settings.webhooks.items())
    ]
    return respond(WebhookList(webhooks=infos), caller)


@router.get("/dead-letters", response_model=DeadLetters, summary="Deliveries given up on")
def dead_letters(caller: AdminCaller, store: StoreDep) -> JSONResponse:
    """Deliveries that failed ``webhook_max_attempts`` times, with the last error of each."""
    return respond(DeadLetters(deliveries=delivery.dead_letters(store)), caller)


@router.post(
    "/dead-letters/{delivery_id}/requeue", response_model=Delivery, summary="Send a dead letter again"
)
def requeue(
    caller: AdminCaller,
    store: StoreDep,
    audit: AuditDep,
    at: NowDep,
    delivery_id: Annotated[str, Path(max_length=64)],
) -> JSONResponse:
    """Put a dead letter back in the queue from its first attempt (after the receiver was fixed)."""
    again = delivery.requeue(store, delivery_id, at)
    audit.record(
        caller.event("webhook.requeue", entry_ids=[again.entry_id], detail={"delivery_id": delivery_id})
    )
    return respond(again, caller)
