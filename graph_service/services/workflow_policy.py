"""The workflow's configuration, read from :class:`Settings` once for the API and the CLI alike."""

from __future__ import annotations

from graph_service.config import Settings
from graph_service.services.workflow.delivery import DeliveryPolicy, Target
from graph_service.services.workflow.state import Policy
from graph_service.services.workflow.worker import WorkflowWorker
from graph_service.store.base import GraphStore


def policy_of(settings: Settings) -> Policy:
    """Deadlines and the departments whose task changes are pushed (those with a webhook)."""
    return Policy(
        feedback_day_of_month=settings.feedback_day_of_month,
        dispute_days=settings.dispute_days,
        push_to=frozenset(settings.webhooks),
        home_region=settings.region,
    )


def targets_of(settings: Settings) -> dict[str, Target]:
    """Each department's webhook with its secret (kept out of every answer and log)."""
    return {
        department: Target(url=hook.url, secret=hook.secret.get_secret_value())
        for department, hook in settings.webhooks.items()
    }


def delivery_policy_of(settings: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(
        max_attempts=settings.webhook_max_attempts,
        backoff_s=settings.webhook_backoff_s,
        backoff_cap_s=settings.webhook_backoff_cap_s,
        timeout_s=settings.webhook_timeout_s,
    )


def worker_for(settings: Settings, store: GraphStore) -> WorkflowWorker | None:
    """The API's background worker, or None when no webhook is configured or the interval is 0.

    Without webhooks nothing needs pushing, and expiry shows lazily in every answer anyway; run
    ``graph-service workflow expire`` from cron to store it.
    """
    if not settings.webhooks or settings.workflow_worker_interval_s <= 0:
        return None
    return WorkflowWorker(
        store,
        targets_of(settings),
        delivery_policy_of(settings),
        interval_s=settings.workflow_worker_interval_s,
    )
