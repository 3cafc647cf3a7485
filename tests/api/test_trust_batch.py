"""Bounded work per request: batch limits stated and enforced, batches charged per item, buckets kept apart.

The measured cost of a batch at the limit is in benchmarks/batch_bounds.py, not here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.types import Message, Receive, Scope, Send

from api.auth import KeyRing
from api.ratelimit import RateLimitMiddleware, TokenBuckets
from api.routers import checks as checks_router
from api.routers.checks import BATCH_WORK_BUDGET, MAX_BATCH, MAX_BATCH_DEPTH
from graph_service.config import ApiKeyInfo
from graph_service.store.base import GraphStore
from tests.api.security_support import HEADERS, LISTED, ORG, PERSON, SecApi, open_api, seed

ITEM = {"subject_id": ORG.uscc, "scenario": "bidding", "as_of": "2026-11-23"}


@pytest.fixture
def api(store: GraphStore, tmp_path: Path) -> Iterator[SecApi]:
    seed(store)
    with open_api(tmp_path, store=store, max_body_bytes=2 * 1024 * 1024) as opened:
        yield opened


def _checks(api: SecApi) -> int:
    return len(api.audit.query(action="check", limit=10_000))


def test_the_openapi_description_states_the_batch_limits(api: SecApi) -> None:
    operation = api.client.get("/openapi.json").json()["paths"]["/v1/checks/batch"]["post"]
    text = operation["summary"] + operation["description"]

    assert f"{MAX_BATCH:,}" in text and f"{BATCH_WORK_BUDGET:,}" in text, text
    assert f"`depth` at most {MAX_BATCH_DEPTH}" in text and "rate limit counts every item" in text, text


def test_a_batch_item_deeper_than_the_batch_cap_is_422_naming_it_and_checks_nothing(api: SecApi) -> None:
    before = _checks(api)
    items = [ITEM, {**ITEM, "depth": MAX_BATCH_DEPTH + 1}]

    response = api.client.post("/v1/checks/batch", json={"items": items}, headers=HEADERS["approval"])

    body = response.json()
    assert response.status_code == 422, body
    assert "MAX_BATCH_DEPTH" in body["detail"] and body["errors"][0]["field"] == "body.items.1.depth", body
    assert _checks(api) == before


def test_a_batch_over_the_work_budget_is_422_naming_the_budget_and_checks_nothing(api: SecApi) -> None:
    before = _checks(api)
    items = [{**ITEM, "depth": 3, "include_history": True}] * (BATCH_WORK_BUDGET // 6 + 1)

    response = api.client.post("/v1/checks/batch", json={"items": items}, headers=HEADERS["approval"])

    body = response.json()
    assert response.status_code == 422, body
    assert "BATCH_WORK_BUDGET" in body["detail"] and f"{BATCH_WORK_BUDGET:,}" in body["detail"], body
    assert _checks(api) == before


def test_a_batch_within_the_bounds_answers_each_item_in_order_like_single_checks(api: SecApi) -> None:
    items = [ITEM, {**ITEM, "subject_id": LISTED.uscc}, {**ITEM, "subject_id": PERSON.key, "depth": 3}]

    batch = api.client.post("/v1/checks/batch", json={"items": items}, headers=HEADERS["investigator"])
    singles = [api.client.post("/v1/checks", json=i, headers=HEADERS["investigator"]).json() for i in items]

    assert batch.status_code == 200, batch.json()
    assert int(batch.headers["content-length"]) == len(batch.content)
    results = batch.json()["results"]
    assert [r["subject"]["id"] for r in results] == [s["subject"]["id"] for s in singles]
    assert [(r["verdict"], len(r["hits"])) for r in results] == [
        (s["verdict"], len(s["hits"])) for s in singles
    ]
    assert PERSON.key in batch.text, "an investigator sees the full ID number"


def test_a_batch_is_masked_for_roles_that_may_not_see_id_numbers(api: SecApi) -> None:
    items = [{**ITEM, "subject_id": PERSON.key}, {**ITEM, "subject_id": LISTED.uscc}]

    batch = api.client.post("/v1/checks/batch", json={"items": items}, headers=HEADERS["approval"])

    assert batch.status_code == 200, batch.json()
    assert PERSON.key not in batch.text and PERSON.key[:6] + "*" * 8 in batch.text, batch.text[:300]


def test_a_batch_is_charged_one_token_per_item(tmp_path: Path) -> None:
    with open_api(tmp_path, rate_limit_per_minute=10) as api:
        batch = api.client.post("/v1/checks/batch", json={"items": [ITEM] * 6}, headers=HEADERS["approval"])
        after = [
            api.client.post("/v1/checks", json=ITEM, headers=HEADERS["approval"]).status_code
            for _ in range(5)
        ]

    assert batch.status_code == 200, batch.json()
    assert after == [200, 200, 200, 200, 429], after


def test_a_batch_larger_than_a_minutes_budget_is_served_once_then_the_key_waits(tmp_path: Path) -> None:
    with open_api(tmp_path, rate_limit_per_minute=5) as api:
        batch = api.client.post("/v1/checks/batch", json={"items": [ITEM] * 20}, headers=HEADERS["approval"])
        refused = api.client.post("/v1/checks", json=ITEM, headers=HEADERS["approval"])

    assert batch.status_code == 200 and len(batch.json()["results"]) == 20, batch.json()
    assert refused.status_code == 429, refused.json()
    assert int(refused.headers["retry-after"]) >= 3 * 60, "20 items at 5 a minute leave ~3 minutes of debt"


def test_made_up_keys_do_not_reset_a_throttled_key(tmp_path: Path) -> None:
    url = f"/v1/subjects/{ORG.uscc}"
    with open_api(tmp_path, rate_limit_per_minute=2) as api:
        throttled = [api.client.get(url, headers=HEADERS["approval"]).status_code for _ in range(3)]
        guesses = {api.client.get(url, headers={"X-API-Key": f"k-guess-{n}"}).status_code for n in range(300)}
        still = api.client.get(url, headers=HEADERS["approval"]).status_code
        other = api.client.get(url, headers=HEADERS["investigator"]).status_code

    assert throttled == [200, 200, 429], throttled
    assert guesses == {401, 429}, guesses
    assert still == 429, "the real key's bucket survived the flood of made-up keys"
    assert other == 200, "the guesses spent only their own address's budget"


def _scope(key: str | None, address: str) -> Scope:
    headers = [(b"x-api-key", key.encode())] if key else []
    return {
        "type": "http",
        "path": "/v1/checks",
        "headers": headers,
        "client": (address, 1234),
        "method": "GET",
    }


def _status_of(middleware: RateLimitMiddleware, scope: Scope) -> int:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return int(start["status"])


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def test_ten_thousand_and_one_made_up_keys_from_as_many_addresses_evict_no_real_key() -> None:
    keys = KeyRing({"k-real-0123456789": ApiKeyInfo(name="real", role="approval")})
    middleware = RateLimitMiddleware(_ok, per_minute=2, clock=lambda: 1000.0, keys=keys)
    real = _scope("k-real-0123456789", "10.0.0.1")
    assert [_status_of(middleware, real) for _ in range(3)] == [200, 200, 429]

    for n in range(10_001):
        middleware.other_buckets.take(f"addr:10.{n // 65536}.{n // 256 % 256}.{n % 256}")  # type: ignore[union-attr]
    status = _status_of(middleware, _scope(f"k-guess-{n}", "10.9.9.9"))

    assert status == 200, "a new address gets its own (full) bucket"
    assert _status_of(middleware, real) == 429, "the real key is still throttled"
    assert len(middleware.other_buckets or []) <= 10_000, "the unauthenticated buckets stay bounded"


def test_unknown_keys_from_one_address_share_that_addresses_bucket() -> None:
    middleware = RateLimitMiddleware(_ok, per_minute=3, clock=lambda: 1000.0, keys=KeyRing({}))

    statuses = [_status_of(middleware, _scope(f"k-guess-{n}", "10.0.0.7")) for n in range(4)]
    elsewhere = _status_of(middleware, _scope("k-guess-x", "10.0.0.8"))

    assert statuses == [200, 200, 200, 429], statuses
    assert elsewhere == 200


def test_a_charge_may_put_a_bucket_into_debt_that_refills_in_time() -> None:
    now = [1000.0]
    buckets = TokenBuckets(60, clock=lambda: now[0])
    assert buckets.take("k") == 0.0
    wait = buckets.charge("k", 119.0)  # 1 + 119 = 120 tokens: 60 left... then 60 into debt
    assert wait == pytest.approx(61.0), wait
    now[0] += 61.0
    assert buckets.take("k") == 0.0


def test_a_batch_over_several_chunks_answers_and_audits_every_item_like_single_checks(
    api: SecApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks_router, "BATCH_CHUNK", 2)  # views read and events queued chunk by chunk
    items = [
        ITEM,
        {**ITEM, "subject_id": LISTED.uscc, "include_history": True},
        {**ITEM, "subject_id": PERSON.key, "depth": 3},
        {**ITEM, "subject_id": LISTED.uscc},
        {**ITEM, "subject_id": PERSON.key, "depth": 1, "as_of": "2025-06-30"},
    ]
    before = _checks(api)

    batch = api.client.post("/v1/checks/batch", json={"items": items}, headers=HEADERS["investigator"])
    audited = api.audit.query(action="check", limit=10_000)[before:]
    singles = [api.client.post("/v1/checks", json=i, headers=HEADERS["investigator"]).json() for i in items]

    assert batch.status_code == 200, batch.json()
    results = batch.json()["results"]
    unstamped = [{k: v for k, v in r.items() if k != "check_id"} for r in results]
    assert unstamped == [{k: v for k, v in s.items() if k != "check_id"} for s in singles]
    assert [(a.subject_id, a.detail["check_id"]) for a in audited] == [
        (r["subject"]["id"], r["check_id"]) for r in results
    ]
