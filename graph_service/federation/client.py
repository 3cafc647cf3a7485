"""The HTTP client of a peer's feed: fetch one page, and accept it only if it is signed, fresh and new.

Checks, in order, before a page is handed on: the signature over timestamp and body with the shared
secret; the timestamp within the replay window; the signature not seen before; the body echoing the nonce
this request sent and the cursor it asked after; the feed being the peer's configured region; event
positions increasing, all after the asked cursor, and the next cursor neither before the asked one nor
behind any cursor this client has accepted before. Any failure raises
:class:`~graph_service.federation.signing.SignatureError` and nothing of the page is used.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from graph_service.config import PeerConfig
from graph_service.errors import InvalidInput
from graph_service.federation.serve import decode_cursor, position_of
from graph_service.federation.signing import (
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    ReplayGuard,
    SignatureError,
    verify,
)

API_KEY_HEADER = "X-API-Key"
# Answers worth asking again later: the peer is down, overloaded, restarting or behind its own cluster.
_RETRYABLE = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


class PeerUnavailable(Exception):
    """The peer could not answer now (network, 5xx, 409, 429): try again later."""


class PeerRefused(Exception):
    """The peer refused the request (wrong key, no secret configured, bad cursor): retrying will not help."""


@dataclass(frozen=True)
class VerifiedPage:
    """A page that passed every check: its parsed body, and its positions."""

    body: dict[str, Any]
    after_seq: int
    next_seq: int

    @property
    def next(self) -> str:
        return str(self.body["next"])

    @property
    def caught_up(self) -> bool:
        return bool(self.body.get("caught_up"))


class FeedClient:
    """Fetches and verifies pages of one peer's feed. One instance per sync run."""

    def __init__(
        self,
        name: str,
        peer: PeerConfig,
        *,
        window_s: float,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self._peer = peer
        self._window_s = window_s
        self._clock = clock
        self._guard = ReplayGuard(window_s)
        self._high_water = 0
        self._http = httpx.Client(base_url=peer.url, timeout=timeout_s, transport=transport)

    @property
    def speaks_for(self) -> frozenset[str] | None:
        """The regions this peer's events may come from: its own and those it relays (None: unknown)."""
        return self._peer.speaks_for

    def close(self) -> None:
        self._http.close()

    def fetch(self, after: str | None, limit: int) -> VerifiedPage:
        """One verified page after ``after``; :class:`PeerUnavailable`, :class:`PeerRefused`, or
        :class:`SignatureError`."""
        nonce = secrets.token_hex(16)
        params: dict[str, str | int] = {"limit": limit}
        if after is not None:
            params["after"] = after
        headers = {API_KEY_HEADER: self._peer.api_key.get_secret_value(), NONCE_HEADER: nonce}
        try:
            response = self._http.get("/v1/feed", params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise PeerUnavailable(f"peer {self.name!r} at {self._peer.url} did not answer: {exc}") from exc
        if response.status_code in _RETRYABLE:
            raise PeerUnavailable(f"peer {self.name!r} answered {response.status_code}: {_detail(response)}")
        if response.status_code != 200:
            raise PeerRefused(f"peer {self.name!r} refused with {response.status_code}: {_detail(response)}")
        return self.verify(response.content, response.headers, after=after, nonce=nonce)

    def verify(
        self, body: bytes, headers: httpx.Headers | dict[str, str], *, after: str | None, nonce: str
    ) -> VerifiedPage:
        """Every check of the module docstring on one answer (public so tests can feed it answers)."""
        signature = headers.get(SIGNATURE_HEADER)
        now = self._clock()
        verify(
            self._peer.secret.get_secret_value(),
            timestamp=headers.get(TIMESTAMP_HEADER),
            signature=signature,
            body=body,
            now=now,
            window_s=self._window_s,
        )
        assert signature is not None  # verify() refuses an unsigned answer
        self._guard.admit(signature, now)
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise SignatureError(f"malformed answer: not JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise SignatureError("malformed answer: not a JSON object")
        if data.get("nonce") != nonce:
            raise SignatureError("replayed answer: it does not echo the nonce of this request")
        if data.get("after") != after:
            raise SignatureError(
                f"answer to another request: asked after {after!r}, got {data.get('after')!r}"
            )
        feed = data.get("feed")
        if self._peer.region is not None and feed != self._peer.region:
            raise SignatureError(f"answer from the feed of region {feed!r}, expected {self._peer.region}")
        return VerifiedPage(data, *self._positions(data, after, str(feed)))

    def _positions(self, data: dict[str, Any], after: str | None, feed: str) -> tuple[int, int]:
        try:
            after_seq = position_of(after, feed)
            feed_of_next, next_seq = decode_cursor(str(data.get("next")), field="next")
        except InvalidInput as exc:
            raise SignatureError(f"malformed answer: {exc.detail}") from exc
        if feed_of_next != feed:
            raise SignatureError(f"malformed answer: next cursor of region {feed_of_next}, feed is {feed}")
        if next_seq < after_seq or next_seq < self._high_water:
            raise SignatureError(
                f"cursor goes backwards: next is at {next_seq}, asked after {after_seq}, "
                f"already accepted up to {self._high_water}"
            )
        last = after_seq
        for event in data.get("events") or []:
            seq = event.get("seq") if isinstance(event, dict) else None
            if not isinstance(seq, int) or seq <= last:
                raise SignatureError(f"events out of order: position {seq!r} after {last}")
            last = seq
        if last > next_seq:
            raise SignatureError(f"malformed answer: events up to {last}, next cursor at {next_seq}")
        self._high_water = next_seq
        return after_seq, next_seq


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"])[:300]
    return str(body)[:300]
