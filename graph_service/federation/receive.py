"""Receiving a pushed page of a peer's feed (the hub side of :mod:`graph_service.federation.push`).

A pushed page is verified as a pulled answer is — HMAC signature over timestamp and body with the secret
shared with the pushing key, timestamp within the replay window — and applied with the same
:func:`~graph_service.federation.apply.apply_page`, peer trust included, under the pushing key's name,
so pulling and being pushed to share one cursor per peer. A page is applied only if it continues exactly
where that cursor stands; any other page (a retry of a page already applied, or a page after a gap) is
acknowledged without being applied, with the cursor the pusher must continue from. That, and the
cursor moving with the page in one transaction, is what makes at-least-once delivery apply each event
once; a replayed request is answered the same way and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graph_service.config import PeerConfig
from graph_service.errors import InvalidInput
from graph_service.federation.apply import apply_page
from graph_service.federation.signing import SignatureError, verify
from graph_service.store.base import GraphStore


@dataclass(frozen=True)
class PushAck:
    """The answer to a push: whether the page was applied, and where the pusher's cursor stands here."""

    nonce: str | None
    accepted: bool
    cursor: str | None
    events: int = 0
    applied: list[str] = field(default_factory=list)
    skipped: Mapping[str, int] = field(default_factory=dict)

    def body(self) -> bytes:
        """The JSON body (signed by the caller)."""
        data = {
            "nonce": self.nonce,
            "accepted": self.accepted,
            "cursor": self.cursor,
            "events": self.events,
            "applied": self.applied,
            "skipped": dict(self.skipped),
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def receive_push(
    store: GraphStore,
    body: bytes,
    *,
    peer: str,
    secret: str,
    timestamp: str | None,
    signature: str | None,
    home_region: str,
    peer_config: PeerConfig | None,
    window_s: float,
    now: float,
) -> PushAck:
    """Verify and apply one pushed page; :class:`SignatureError` (nothing read) if it is not authentic,
    ``InvalidInput`` if it is not a feed page (of the configured region)."""
    verify(secret, timestamp=timestamp, signature=signature, body=body, now=now, window_s=window_s)
    try:
        page: Any = json.loads(body)
    except ValueError as exc:
        raise InvalidInput.for_field("body", body[:100].decode("utf-8", "replace"), "is not JSON") from exc
    if not isinstance(page, dict):
        raise InvalidInput.for_field("body", str(page)[:100], "is not a feed page")
    nonce = page.get("nonce") if isinstance(page.get("nonce"), str) else None
    region = peer_config.region if peer_config is not None else None
    if region is not None and page.get("feed") != region:
        raise SignatureError(f"a page of the feed of region {page.get('feed')!r}; {peer!r} is {region}")
    stored = store.peer_cursor(peer)
    if page.get("after") != stored:
        return PushAck(nonce=nonce, accepted=False, cursor=stored)
    outcome = apply_page(
        store,
        page,
        peer=peer,
        home_region=home_region,
        expected_cursor=stored,
        speaks_for=None if peer_config is None else peer_config.speaks_for,
    )
    return PushAck(
        nonce=nonce,
        accepted=True,
        cursor=outcome.cursor,
        events=outcome.events,
        applied=outcome.applied,
        skipped=dict(outcome.skipped),
    )
