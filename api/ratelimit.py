"""Rate limiting: token buckets in memory, 429 problem+json with Retry-After.

Each configured key gets ``rate_limit_per_minute`` tokens, refilled continuously; a request takes one and
a batch takes one per item (the route charges the rest through the request's :class:`Meter`). Only
``/v1`` routes are limited: probes, metrics and the explorer's static files must keep answering under load.

Buckets of configured keys and buckets of everyone else are kept apart, so no caller can push a real
key's bucket out:

* a configured key has its own bucket, keyed by the SHA-256 digest of the key (never the key itself);
  there are only as many as there are configured keys, so none is ever dropped;
* requests without a key or with an unknown one share a bucket per client address, in a separate set
  bounded to :data:`MAX_BUCKETS` (least recently used dropped first). Guessing keys from one address
  costs that address's budget, and a flood of made-up keys or addresses only evicts other such buckets.

Behind a reverse proxy every unauthenticated caller has the proxy's address and so shares one bucket.
One process, one set of buckets: behind several workers each worker limits on its own, so the effective
limit is the setting times the worker count (documented in docs/security.md).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import KeyRing
from api.errors import problem_response
from graph_service.errors import GraphServiceError

LIMITED_PREFIX = "/v1/"
API_KEY_HEADER = "x-api-key"
ANONYMOUS_BUCKET = "anonymous"
#: Where the middleware leaves the request's :class:`Meter` (``request.state.rate_meter``).
METER_STATE = "rate_meter"
# Buckets of unauthenticated callers (by client address): past this the least recently used are dropped.
# A dropped bucket restarts full, which only helps callers that are refused with 401 anyway.
MAX_BUCKETS = 10_000


class RateLimited(GraphServiceError):
    """Too many requests (or batch items) with one key within the last minute."""

    status = 429
    title = "Too many requests"


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """Token buckets by id: ``capacity`` tokens each, refilled at ``capacity`` per minute.

    ``max_buckets`` bounds the set (least recently used dropped first); None keeps every bucket, for a
    set whose ids are known and few (the configured keys).
    """

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_buckets: int | None = MAX_BUCKETS,
    ) -> None:
        if per_minute <= 0:
            raise ValueError(f"per_minute must be positive, got {per_minute}")
        self.capacity = float(per_minute)
        self.rate_per_s = per_minute / 60.0
        self._clock = clock
        self._max = max_buckets
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        # The check path may run in several threads (sync routes); the bucket update must be atomic.
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, bucket_id: str) -> float:
        """Take one token for ``bucket_id``: 0.0 if granted, else the seconds until one is available."""
        with self._lock:
            bucket = self._refilled(bucket_id)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate_per_s

    def charge(self, bucket_id: str, tokens: float) -> float:
        """Charge ``tokens`` more to a request already admitted (a batch's further items).

        The bucket may go into debt: a batch larger than a minute's budget is still served once, and
        the key then waits until its bucket has refilled past zero. Returns the seconds until the
        key's next request is admitted (0.0 if it still has a token).
        """
        with self._lock:
            bucket = self._refilled(bucket_id)
            bucket.tokens -= tokens
            return 0.0 if bucket.tokens >= 1.0 else (1.0 - bucket.tokens) / self.rate_per_s

    def _refilled(self, bucket_id: str) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.pop(bucket_id, None)
        if bucket is None:
            bucket = _Bucket(tokens=self.capacity, updated=now)
        else:
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.rate_per_s)
            bucket.updated = now
        self._buckets[bucket_id] = bucket  # most recently used last
        while self._max is not None and len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return bucket


def bucket_id_of(api_key: str | None) -> str:
    """The bucket id of a presented key: its SHA-256 digest (hex), or the shared anonymous id."""
    if not api_key:
        return ANONYMOUS_BUCKET
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Meter:
    """One admitted request's access to its bucket: routes charge batch items through it."""

    buckets: TokenBuckets
    bucket_id: str
    per_minute: int

    def charge(self, tokens: int) -> float:
        """Charge ``tokens`` more; the seconds until this key's next request is admitted."""
        return self.buckets.charge(self.bucket_id, float(tokens)) if tokens > 0 else 0.0


class RateLimitMiddleware:
    """Answer 429 problem+json with ``Retry-After`` once a caller has used up its tokens on ``/v1``.

    The configured keys are the app's key ring (``app.state.ctx.keys``, as :mod:`api.deps` reads it),
    unless ``keys`` is given.
    """

    def __init__(
        self,
        app: ASGIApp,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        keys: KeyRing | None = None,
    ) -> None:
        self.app = app
        self.per_minute = per_minute
        self.keys = keys
        self.key_buckets = TokenBuckets(per_minute, clock=clock, max_buckets=None) if per_minute > 0 else None
        self.other_buckets = TokenBuckets(per_minute, clock=clock) if per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.key_buckets is None
            or self.other_buckets is None
            or scope["type"] != "http"
            or not scope["path"].startswith(LIMITED_PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        presented = Headers(scope=scope).get(API_KEY_HEADER)
        if presented and self._key_ring(scope).identify(presented) is not None:
            buckets, bucket_id = self.key_buckets, bucket_id_of(presented)
        else:
            buckets, bucket_id = self.other_buckets, f"addr:{_client_address(scope)}"
        wait_s = buckets.take(bucket_id)
        if wait_s == 0.0:
            state: dict[str, Any] = scope.setdefault("state", {})
            state[METER_STATE] = Meter(buckets, bucket_id, self.per_minute)
            await self.app(scope, receive, send)
            return
        retry_after = max(1, math.ceil(wait_s))
        error = RateLimited(
            f"This API key has used its {self.per_minute} requests per minute "
            f"(GRAPH_SERVICE_RATE_LIMIT_PER_MINUTE; a batch counts each item); retry after {retry_after} s."
        )
        response = problem_response(
            scope,
            status=error.status,
            title=error.title,
            detail=error.detail,
            headers={"Retry-After": str(retry_after)},
        )
        await response(scope, receive, send)

    def _key_ring(self, scope: Scope) -> KeyRing:
        if self.keys is not None:
            return self.keys
        ctx = scope["app"].state.ctx  # the app's resources, set by create_app (see api.context)
        keys: KeyRing = ctx.keys
        return keys


def _client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
