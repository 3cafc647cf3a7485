"""Rate limiting per API key: a token bucket in memory per key digest, 429 problem+json with Retry-After.

Each key gets ``rate_limit_per_minute`` tokens, refilled continuously; a request takes one. The bucket is
keyed by the SHA-256 digest of the presented key (never the key itself), so unknown keys are limited too:
guessing keys costs the same budget as using one. Requests without a key share one bucket. Only ``/v1``
routes are limited: probes, metrics and the explorer's static files must keep answering under load.

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

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import problem_response
from graph_service.errors import GraphServiceError

LIMITED_PREFIX = "/v1/"
API_KEY_HEADER = "x-api-key"
ANONYMOUS_BUCKET = "anonymous"
# Enough for every real key many times over; past it the least recently used buckets are dropped, so a
# flood of made-up keys cannot grow memory without bound (a dropped bucket restarts full, which is safe:
# a made-up key is refused with 401 anyway).
MAX_BUCKETS = 10_000


class RateLimited(GraphServiceError):
    """Too many requests with one key within the last minute."""

    status = 429
    title = "Too many requests"


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """Token buckets by key digest: ``capacity`` tokens each, refilled at ``capacity`` per minute."""

    def __init__(
        self, per_minute: int, *, clock: Callable[[], float] = time.monotonic, max_buckets: int = MAX_BUCKETS
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

    def take(self, bucket_id: str) -> float:
        """Take one token for ``bucket_id``: 0.0 if granted, else the seconds until one is available."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.pop(bucket_id, None)
            if bucket is None:
                bucket = _Bucket(tokens=self.capacity, updated=now)
            else:
                elapsed = max(0.0, now - bucket.updated)
                bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.rate_per_s)
                bucket.updated = now
            self._buckets[bucket_id] = bucket  # most recently used last
            while len(self._buckets) > self._max:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate_per_s


def bucket_id_of(api_key: str | None) -> str:
    """The bucket of a presented key: its SHA-256 digest (hex), or the shared anonymous bucket."""
    if not api_key:
        return ANONYMOUS_BUCKET
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


class RateLimitMiddleware:
    """Answer 429 problem+json with ``Retry-After`` once a key has used up its tokens on ``/v1`` routes."""

    def __init__(self, app: ASGIApp, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.per_minute = per_minute
        self.buckets = TokenBuckets(per_minute, clock=clock) if per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.buckets is None or scope["type"] != "http" or not scope["path"].startswith(LIMITED_PREFIX):
            await self.app(scope, receive, send)
            return
        wait_s = self.buckets.take(bucket_id_of(Headers(scope=scope).get(API_KEY_HEADER)))
        if wait_s == 0.0:
            await self.app(scope, receive, send)
            return
        retry_after = max(1, math.ceil(wait_s))
        error = RateLimited(
            f"This API key has used its {self.per_minute} requests per minute "
            f"(GRAPH_SERVICE_RATE_LIMIT_PER_MINUTE); retry after {retry_after} s."
        )
        response = problem_response(
            scope,
            status=error.status,
            title=error.title,
            detail=error.detail,
            headers={"Retry-After": str(retry_after)},
        )
        await response(scope, receive, send)
