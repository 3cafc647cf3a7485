"""Signed feed answers: HMAC-SHA256 over ``timestamp + "." + body`` with a per-peer shared secret.

The server signs every feed answer with the secret it shares with the calling peer and sends::

    X-Feed-Timestamp: 1795434000
    X-Feed-Signature: v1=<64 hex digits>

The client accepts an answer only if the signature matches (compared in constant time), the timestamp is
within the replay window of its own clock (both ways: a clock far ahead is as suspect as one behind), and
the answer is not a replay: its signature was not seen before, it echoes the nonce the client sent, and
its cursor does not go backwards (checked by :mod:`graph_service.federation.client`).

Why HMAC and not mTLS: see docs/federation.md ("Authentication between peers").
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import OrderedDict

TIMESTAMP_HEADER = "X-Feed-Timestamp"
SIGNATURE_HEADER = "X-Feed-Signature"
NONCE_HEADER = "X-Feed-Nonce"
_SCHEME = "v1="


class SignatureError(Exception):
    """A feed answer that must not be applied; ``reason`` says why (bad, stale, replayed)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Feed-Signature`` value of ``body`` sent at ``timestamp`` (Unix seconds)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return _SCHEME + mac.hexdigest()


def verify(
    secret: str,
    *,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float,
    window_s: float,
) -> int:
    """Check one answer's signature and freshness; its timestamp, or :class:`SignatureError`."""
    if not timestamp or not signature:
        raise SignatureError(f"unsigned answer: {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} is missing")
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError(f"{TIMESTAMP_HEADER} is not Unix seconds: {timestamp[:20]!r}")
    sent = int(timestamp)
    expected = sign(secret, sent, body)
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace")):
        raise SignatureError("bad signature: the answer was changed, or the peer secret does not match")
    skew = now - sent
    if abs(skew) > window_s:
        direction = "old" if skew > 0 else "ahead of our clock"
        raise SignatureError(
            f"stale answer: signed {abs(skew):.0f} s {direction}, outside the {window_s:.0f} s replay window"
        )
    return sent


class ReplayGuard:
    """Remembers the signatures accepted within the replay window; a second sight of one is a replay.

    Older signatures need not be kept: an answer that old fails the timestamp check anyway.
    """

    def __init__(self, window_s: float) -> None:
        self._window_s = window_s
        self._seen: OrderedDict[str, float] = OrderedDict()

    def admit(self, signature: str, now: float | None = None) -> None:
        """Remember ``signature``; :class:`SignatureError` if it was admitted before (within the window)."""
        now = time.time() if now is None else now
        while self._seen and next(iter(self._seen.values())) < now - 2 * self._window_s:
            self._seen.popitem(last=False)
        if signature in self._seen:
            raise SignatureError("replayed answer: this exact signed answer was received before")
        self._seen[signature] = now
