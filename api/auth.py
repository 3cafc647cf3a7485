"""API keys and callers: who is calling, with which role, in which request.

Keys are held only as SHA-256 digests. A presented key is hashed and compared with every stored digest
using ``hmac.compare_digest``, without stopping at a match, so the time taken says nothing about which key
(if any) matched or how much of it did. Keys are never logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph_service.audit import AuditEvent
from graph_service.config import ApiKeyInfo

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of one request: the key's name (as audited), its role, the request id."""

    name: str
    role: str
    request_id: str

    def event(self, action: str, **fields: Any) -> AuditEvent:
        """An audit event of this caller doing ``action`` now; ``fields`` fill the rest (subject_id …)."""
        return AuditEvent(
            at=dt.datetime.now(dt.UTC),
            request_id=self.request_id,
            client=self.name,
            role=self.role,
            action=action,
            **fields,
        )


class KeyRing:
    """The configured API keys, as digests only."""

    def __init__(self, keys: Mapping[str, ApiKeyInfo]) -> None:
        self._entries = [(_digest(key), info) for key, info in keys.items()]

    def __len__(self) -> int:
        return len(self._entries)

    def identify(self, presented: str) -> ApiKeyInfo | None:
        """Who holds ``presented``, or None. Compares with every stored digest, in constant time each."""
        digest = _digest(presented)
        found: ApiKeyInfo | None = None
        for stored, info in self._entries:
            if hmac.compare_digest(stored, digest):
                found = info  # no break: the loop runs over every key whatever matches
        return found


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()
