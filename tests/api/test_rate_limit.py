"""Rate limiting per API key: a token bucket per key digest, 429 problem+json with Retry-After."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.ratelimit import ANONYMOUS_BUCKET, TokenBuckets, bucket_id_of
from graph_service.config import Settings
from tests.api.security_support import HEADERS, ORG, open_api


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_grants_its_capacity_then_says_how_long_to_wait() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(60, clock=clock)  # one token per second
    granted = [buckets.take("k") for _ in range(60)]
    assert granted == [0.0] * 60, granted
    assert buckets.take("k") == pytest.approx(1.0)
    clock.now += 0.5
    assert buckets.take("k") == pytest.approx(0.5)
    clock.now += 0.5
    assert buckets.take("k") == 0.0


def test_buckets_are_separate_per_key_and_refill_only_to_capacity() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(2, clock=clock)
    assert [buckets.take("a"), buckets.take("a")] == [0.0, 0.0]
    assert buckets.take("a") > 0
    assert buckets.take("b") == 0.0, "another key has its own bucket"
    clock.now += 3600  # an idle hour refills to the capacity, not beyond
    assert [buckets.take("a"), buckets.take("a")] == [0.0, 0.0]
    assert buckets.take("a") > 0


def test_the_number_of_buckets_is_bounded_dropping_the_least_recently_used() -> None:
    buckets = TokenBuckets(1, clock=FakeClock(), max_buckets=3)
    for key in ("a", "b", "c"):
        buckets.take(key)
    assert buckets.take("a") > 0  # "a" is now the most recently used
    buckets.take("d")  # evicts "b"
    assert buckets.take("b") == 0.0, "an evicted bucket starts full again"
    assert buckets.take("a") > 0, "a recently used bucket was kept"


def test_buckets_are_keyed_by_a_digest_never_by_the_key() -> None:
    bucket = bucket_id_of("k-very-secret")
    assert "secret" not in bucket and len(bucket) == 64, bucket
    assert bucket_id_of(None) == bucket_id_of("") == ANONYMOUS_BUCKET


def test_a_zero_rate_is_refused_by_the_buckets_and_negative_by_settings() -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBuckets(0)
    with pytest.raises(ValueError, match="rate_limit_per_minute"):
        Settings(rate_limit_per_minute=-1)
    assert Settings().rate_limit_per_minute == 600


def test_a_key_over_its_rate_gets_429_with_retry_after_and_other_keys_still_pass(tmp_path: Path) -> None:
    url = f"/v1/subjects/{ORG.uscc}"
    with open_api(tmp_path, rate_limit_per_minute=3) as api:
        statuses = [api.client.get(url, headers=HEADERS["approval"]).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429], statuses
        refused = api.client.get(url, headers=HEADERS["approval"])
        body = refused.json()
        assert refused.status_code == 429, body
        assert refused.headers["content-type"] == "application/problem+json", refused.headers
        assert int(refused.headers["retry-after"]) >= 1, refused.headers
        assert "3 requests per minute" in body["detail"], body
        assert body["request_id"] == refused.headers["x-request-id"], body
        assert api.client.get(url, headers=HEADERS["investigator"]).status_code == 200
        # Probes and metrics are never limited: the orchestrator must see the service under load.
        assert api.client.get("/health/ready").status_code == 200
        assert api.client.get("/metrics").status_code == 200


def test_unknown_keys_are_limited_too_so_guessing_keys_is_slow(tmp_path: Path) -> None:
    with open_api(tmp_path, rate_limit_per_minute=2) as api:
        guess = {"X-API-Key": "k-guess"}
        statuses = [api.client.get("/v1/audit", headers=guess).status_code for _ in range(3)]
        assert statuses == [401, 401, 429], statuses


def test_a_zero_rate_turns_limiting_off(tmp_path: Path) -> None:
    with open_api(tmp_path, rate_limit_per_minute=0) as api:
        statuses = {
            api.client.get(f"/v1/subjects/{ORG.uscc}", headers=HEADERS["approval"]).status_code
            for _ in range(50)
        }
        assert statuses == {200}, statuses
