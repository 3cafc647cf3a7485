"""Pushing this deployment's change feed to a target (the province hub), as well as being pulled.

A push is the pull turned around: the pages are exactly the pages ``GET /v1/feed`` serves (same events,
same subject records, same cursors, masked unless the target is cleared for full ID numbers), POSTed to
the target's ``/v1/feed/push``, which applies them with the same :func:`~graph_service.federation.apply.
apply_page` (and peer trust) as a pull. Signed both ways with the secret shared with the target, like a
feed answer (:mod:`graph_service.federation.signing`): the request body, and the target's
acknowledgement, which echoes the page's nonce and says where the target's cursor for us now stands.

Delivery is at least once and in order. The position the target acknowledged is stored here
(:meth:`~graph_service.store.feed_port.FeedPort.set_push_position`) after each page, so a push resumes
from the last acknowledged page after a crash, a restart or an outage; a page sent twice is recognised by
the target (its cursor has moved past it) and acknowledged without being applied again. When the target
holds another position (it was reset, or it also pulls us), its acknowledgement says so and the push
continues from there. A page that still fails after the retry budget is a **dead letter**: recorded
(audit ``feed.push.dead_letter``), and the push stops there — the feed is ordered, so nothing after it
is sent before it; the next run starts again at that page.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from graph_service.audit.model import AuditEvent
from graph_service.config import PushTarget
from graph_service.errors import InvalidInput
from graph_service.federation.client import API_KEY_HEADER, PeerRefused, PeerUnavailable
from graph_service.federation.pseudonymise import for_masked_peer
from graph_service.federation.serve import encode_cursor, position_of, read_feed
from graph_service.federation.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, sign, verify
from graph_service.federation.sync import Backoff, with_retries
from graph_service.store.base import GraphStore

PUSH_PATH = "/v1/feed/push"
_RETRYABLE = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
log = logging.getLogger(__name__)
DEAD_LETTER_ACTION = "feed.push.dead_letter"


@dataclass(frozen=True)
class DeadLetter:
    """A page given up on after the retry budget: where it starts, its events, and why."""

    target: str
    after_seq: int
    events: int
    reason: str


@dataclass
class PushReport:
    """What one push run did: pages acknowledged, events in them, the acknowledged position."""

    pages: int = 0
    events: int = 0
    applied: int = 0
    position: int = 0
    dead: DeadLetter | None = None


class PushClient:
    """POSTs signed pages to one target and verifies its signed acknowledgements."""

    def __init__(
        self,
        name: str,
        target: PushTarget,
        *,
        window_s: float,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.target = target
        self._window_s = window_s
        self._clock = clock
        self._http = httpx.Client(base_url=target.url, timeout=timeout_s, transport=transport)

    def close(self) -> None:
        self._http.close()

    def send(self, body: bytes, nonce: str) -> dict[str, Any]:
        """POST one page; the verified acknowledgement, or :class:`PeerUnavailable` (try again later),
        :class:`PeerRefused` or :class:`SignatureError` (retrying will not help)."""
        secret = self.target.secret.get_secret_value()
        timestamp = int(self._clock())
        headers = {
            API_KEY_HEADER: self.target.api_key.get_secret_value(),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(secret, timestamp, body),
            "Content-Type": "application/json",
        }
        try:
            response = self._http.post(PUSH_PATH, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise PeerUnavailable(f"push target {self.name!r} did not answer: {exc}") from exc
        if response.status_code in _RETRYABLE:
            raise PeerUnavailable(f"push target {self.name!r} answered {response.status_code}")
        if response.status_code != 200:
            raise PeerRefused(
                f"push target {self.name!r} refused with {response.status_code}: {response.text[:300]}"
            )
        verify(
            secret,
            timestamp=response.headers.get(TIMESTAMP_HEADER),
            signature=response.headers.get(SIGNATURE_HEADER),
            body=response.content,
            now=self._clock(),
            window_s=self._window_s,
        )
        ack = json.loads(response.content)
        if not isinstance(ack, dict) or ack.get("nonce") != nonce:
            raise SignatureError("acknowledgement of another request: it does not echo this page's nonce")
        return ack


def push(
    store: GraphStore,
    client: PushClient,
    *,
    region: str,
    limit: int = 200,
    retries: int = 5,
    backoff: Backoff | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_dead: Callable[[DeadLetter], None] = lambda _: None,
) -> PushReport:
    """Push the feed after the acknowledged position until the target has all of it (or a dead letter).

    A page that fails ``retries + 1`` times in a row — the target down, or refusing it — becomes a dead
    letter (``on_dead``) and ends the run; the position stays at the last acknowledged page.
    """
    report = PushReport(position=store.push_position(client.name))
    while True:
        after = encode_cursor(region, report.position) if report.position else None
        nonce = secrets.token_hex(16)
        page = read_feed(store, region=region, after=after, limit=limit, nonce=nonce)
        if not page.events:
            return report
        content = page.model_dump(mode="json")
        if not client.target.full_ids:
            content = for_masked_peer(content, store.pseudonymiser)
        body = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        send = functools.partial(client.send, body, nonce)
        try:
            ack = with_retries(send, retries=retries, backoff=backoff or Backoff(), sleep=sleep)
            position = _acknowledged(ack, region)
        except (PeerUnavailable, PeerRefused, SignatureError, InvalidInput) as exc:
            reason = exc.detail if isinstance(exc, InvalidInput) else str(exc)
            report.dead = DeadLetter(client.name, report.position, len(page.events), reason)
            log.error("push %s: dead letter after seq %d: %s", client.name, report.position, reason)
            on_dead(report.dead)
            return report
        store.set_push_position(client.name, position)
        report.pages += 1
        report.events += len(page.events)
        report.applied += len(ack.get("applied") or [])
        moved, report.position = position != report.position, position
        if not moved:  # the target holds exactly what it held: it cannot take this page (refused events)
            return report


def _acknowledged(ack: dict[str, Any], region: str) -> int:
    """The position the target's cursor for us stands at after the page (0 = nothing)."""
    cursor = ack.get("cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise InvalidInput.for_field("cursor", str(cursor)[:100], "is not a feed cursor")
    return position_of(cursor, region)


def dead_letter_event(dead: DeadLetter, *, actor: str) -> AuditEvent:
    """The audit record of a dead letter (``feed.push.dead_letter``): where it stands and why."""
    return AuditEvent(
        at=dt.datetime.now(dt.UTC),
        request_id=secrets.token_hex(8),
        client=actor,
        role="admin",
        action=DEAD_LETTER_ACTION,
        detail={
            "target": dead.target,
            "after_seq": dead.after_seq,
            "events": dead.events,
            "reason": dead.reason[:500],
        },
    )
