"""Webhook push of tasks on both backends, against a local receiver.

Transitions write deliveries in their own transaction (the outbox); a sender posts them signed with
HMAC-SHA256 over ``<timestamp>.<body>``, retries failures with exponential backoff and, after
``webhook_max_attempts`` failures, leaves them on the admins' dead-letter list.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph_service.domain.identifiers import mask_id_number
from graph_service.domain.webhooks import DeliveryStatus
from graph_service.services.workflow.delivery import DeliveryPolicy, DeliveryRun, Target, deliver_due
from graph_service.store.base import GraphStore
from tests.api.webhook_receiver import Receiver, receiver
from tests.api.workflow_support import ADMIN, INITIATOR, MARKET, REP, Workflow, open_workflow

SECRET = "s3cret-for-the-market-regulator"
DAY = dt.date(2026, 3, 2)
T0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as running:
        yield running


def _open(store: GraphStore, tmp_path: Path, url: str, **settings: Any) -> Any:
    webhooks = {MARKET: {"url": url, "secret": SECRET}}
    return open_workflow(store, tmp_path, DAY, webhooks=webhooks, workflow_worker_interval_s=0, **settings)


def _send(wf: Workflow, url: str, at: dt.datetime, max_attempts: int = 8) -> DeliveryRun:
    with httpx.Client() as client:
        return deliver_due(
            wf.store,
            {MARKET: Target(url=url, secret=SECRET)},
            clock=lambda: at,
            client=client,
            policy=DeliveryPolicy(max_attempts=max_attempts, backoff_s=30, backoff_cap_s=600, timeout_s=5),
        )


def _events(hook: Receiver) -> list[tuple[str, str]]:
    return [
        (r.headers["x-graph-service-event"], json.loads(r.body)["task"]["subject_id"]) for r in hook.received
    ]


def test_created_tasks_are_pushed_signed_and_the_signature_verifies(
    store: GraphStore, tmp_path: Path, hook: Receiver
) -> None:
    with _open(store, tmp_path, hook.url) as wf:
        wf.create()
        assert len(wf.store.get_deliveries(statuses=frozenset({DeliveryStatus.PENDING}))) == 2
        run = _send(wf, hook.url, T0)

    assert (run.delivered, run.failed, run.dead) == (2, 0, 0), run
    assert len(hook.received) == 2, hook.received
    for request in hook.received:
        assert request.signature_verifies(SECRET), request.headers
        assert not request.signature_verifies("another-secret-of-16+"), "a wrong secret must not verify"
        assert request.headers["x-graph-service-timestamp"] == str(int(T0.timestamp()))
        body = json.loads(request.body)
        assert (body["event"], body["task"]["department"], body["task"]["status"]) == (
            "task.created",
            MARKET,
            "pending",
        )
        assert request.headers["x-graph-service-delivery"] == body["delivery_id"]
    texts = b"".join(r.body for r in hook.received).decode()
    assert REP.key not in texts and mask_id_number(REP.key) in texts, "the person's ID number is masked"
    assert {d.status for d in store.get_deliveries()} == {DeliveryStatus.DELIVERED}


def test_a_tampered_body_does_not_verify(store: GraphStore, tmp_path: Path, hook: Receiver) -> None:
    with _open(store, tmp_path, hook.url) as wf:
        wf.create()
        _send(wf, hook.url, T0)
    original = hook.received[0]
    tampered = type(original)(original.path, original.headers, original.body.replace(b"pending", b"applied"))
    assert original.signature_verifies(SECRET) and not tampered.signature_verifies(SECRET)


def test_suspension_restoration_and_lifting_are_pushed_in_order(
    store: GraphStore, tmp_path: Path, hook: Receiver
) -> None:
    with _open(store, tmp_path, hook.url) as wf:
        wf.create()
        dispute_id = wf.dispute()
        resolve = {"outcome": "upheld", "reason": "核实无误"}
        r = wf.client.post(f"/v1/entries/E-1/disputes/{dispute_id}/resolve", json=resolve, headers=INITIATOR)
        assert r.status_code == 200, r.text
        revoke = {"status": "revoked", "reason": "撤销"}
        assert wf.client.patch("/v1/entries/E-1", json=revoke, headers=INITIATOR).status_code == 200
        run = _send(wf, hook.url, T0)  # every step happened at T0: all eight are due at once

    assert run.delivered == 8, run
    by_task: dict[str, list[tuple[int, str]]] = {}
    for request in hook.received:
        task = json.loads(request.body)["task"]
        by_task.setdefault(task["task_id"], []).append(
            (task["version"], request.headers["x-graph-service-event"])
        )
    expected = [(1, "task.created"), (2, "task.suspended"), (3, "task.restored"), (4, "task.lifted")]
    assert list(by_task.values()) == [expected, expected], by_task
    assert {d.status for d in store.get_deliveries()} == {DeliveryStatus.DELIVERED}


def test_a_failed_delivery_is_retried_after_its_backoff_and_then_delivered(
    store: GraphStore, tmp_path: Path
) -> None:
    with receiver([500, 500]) as hook, _open(store, tmp_path, hook.url) as wf:
        wf.create()
        first = _send(wf, hook.url, T0)
        assert (first.delivered, first.failed) == (0, 2), first
        waiting = store.get_deliveries()
        assert {(d.status, d.attempts, d.last_error) for d in waiting} == {
            (DeliveryStatus.PENDING, 1, f"HTTP 500 from {hook.url}")
        }
        assert {d.next_attempt_at for d in waiting} == {T0 + dt.timedelta(seconds=30)}

        early = _send(wf, hook.url, T0 + dt.timedelta(seconds=29))
        assert early == DeliveryRun(), "nothing is due before the backoff ends"
        assert len(hook.received) == 2

        retry = _send(wf, hook.url, T0 + dt.timedelta(seconds=30))
        assert (retry.delivered, retry.failed) == (2, 0), retry
    assert len(hook.received) == 4
    assert all(r.signature_verifies(SECRET) for r in hook.received)
    assert {(d.status, d.attempts) for d in store.get_deliveries()} == {(DeliveryStatus.DELIVERED, 2)}


def test_repeated_failures_make_a_dead_letter_that_admins_see_and_can_requeue(
    store: GraphStore, tmp_path: Path
) -> None:
    with receiver(always=500) as hook, _open(store, tmp_path, hook.url) as wf:
        wf.create()
        at = T0
        runs = []
        for _ in range(3):
            runs.append(_send(wf, hook.url, at, max_attempts=3))
            at += dt.timedelta(hours=1)  # past any backoff
        assert [(r.failed, r.dead) for r in runs] == [(2, 0), (2, 0), (0, 2)], runs
        assert _send(wf, hook.url, at, max_attempts=3) == DeliveryRun(), "a dead letter is not sent again"

        listed = wf.client.get("/v1/webhooks/dead-letters", headers=ADMIN)
        assert listed.status_code == 200, listed.text
        letters = listed.json()["deliveries"]
        assert [(d["attempts"], d["status"], d["last_error"]) for d in letters] == [
            (3, "dead", f"HTTP 500 from {hook.url}")
        ] * 2
        assert wf.client.get("/v1/webhooks/dead-letters", headers=INITIATOR).status_code == 403
        overview = wf.client.get("/v1/webhooks", headers=ADMIN).json()["webhooks"]
        assert overview == [{"department": MARKET, "url": hook.url, "pending": 0, "dead": 2}], overview
        assert SECRET not in wf.client.get("/v1/webhooks", headers=ADMIN).text

        hook.always = 200
        delivery_id = letters[0]["delivery_id"]
        again = wf.client.post(f"/v1/webhooks/dead-letters/{delivery_id}/requeue", headers=ADMIN)
        assert again.status_code == 200, again.text
        assert (again.json()["status"], again.json()["attempts"]) == ("pending", 0)
        twice = wf.client.post(f"/v1/webhooks/dead-letters/{delivery_id}/requeue", headers=ADMIN)
        assert twice.status_code == 409, twice.text
        assert _send(wf, hook.url, at + dt.timedelta(days=1), max_attempts=3).delivered == 1
        wf.audit.flush()
        assert "webhook.requeue" in [record.action for record in wf.audit.query(limit=100)]


def test_a_transition_succeeds_at_once_while_the_receiver_is_down(store: GraphStore, tmp_path: Path) -> None:
    with receiver() as hook:
        url = hook.url  # the port is closed once the receiver stops
    with _open(store, tmp_path, url) as wf:
        started = time.monotonic()
        wf.create()
        wf.dispute()
        assert time.monotonic() - started < 5, "a transition never waits for a webhook"
        run = _send(wf, url, T0)
    assert run.failed == 4, run
    errors = {d.last_error for d in store.get_deliveries()}
    assert all(e is not None and e.startswith("ConnectError") for e in errors), errors


def test_the_api_worker_pushes_without_being_asked(store: GraphStore, tmp_path: Path, hook: Receiver) -> None:
    webhooks = {MARKET: {"url": hook.url, "secret": SECRET}}
    with open_workflow(store, tmp_path, DAY, webhooks=webhooks, workflow_worker_interval_s=0.05) as wf:
        wf.create()
        deadline = time.monotonic() + 10
        while len(hook.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert len(hook.received) == 2, hook.received
    assert all(r.signature_verifies(SECRET) for r in hook.received)
