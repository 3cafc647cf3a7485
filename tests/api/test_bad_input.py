"""Bad input at the API: oversized bodies, huge or deep requests, impossible dates, broken JSON, wrong types.

Each is refused with problem+json naming what is wrong, and nothing stored changes: the store's
``data_version`` is the same before and after every rejected call.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from api.routers.checks import MAX_BATCH
from graph_service.domain.ownership import MAX_LAYERS
from graph_service.services.explore.paths import MAX_BATCH_SUBJECTS, MAX_HOPS, MAX_K
from graph_service.services.explore.picture import MAX_DEPTH, MAX_LIMIT
from tests.api.access_setups import entry_body
from tests.api.security_support import HEADERS, LISTED, ORG, SecApi, open_api

PROBLEM = "application/problem+json"
BODY_LIMIT = 64 * 1024
CHECK = {"subject_id": ORG.uscc, "scenario": "bidding", "as_of": "2026-11-23"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecApi]:
    # A 10,001-item batch is ~700 kB: above this limit, so the body limit is raised for that one test.
    with open_api(tmp_path_factory.mktemp("bad-input"), max_body_bytes=2 * 1024 * 1024) as opened:
        yield opened


@pytest.fixture
def small_limit_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecApi]:
    with open_api(tmp_path_factory.mktemp("bad-input-small"), max_body_bytes=BODY_LIMIT) as opened:
        yield opened


def _problem(response: Any, status: int) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert response.status_code == status, body
    assert response.headers["content-type"] == PROBLEM, response.headers
    assert body["request_id"] == response.headers["x-request-id"], body
    return body


def test_an_oversized_json_body_is_413_naming_the_limit_and_changes_nothing(small_limit_api: SecApi) -> None:
    before = small_limit_api.store.data_version()
    items = [CHECK] * 2000  # ~140 kB
    response = small_limit_api.client.post(
        "/v1/checks/batch", json={"items": items}, headers=HEADERS["approval"]
    )
    body = _problem(response, 413)
    assert str(BODY_LIMIT) in body["detail"] and "GRAPH_SERVICE_MAX_BODY_BYTES" in body["detail"], body
    assert small_limit_api.store.data_version() == before


def test_an_oversized_chunked_body_is_413_too(small_limit_api: SecApi) -> None:
    payload = json.dumps({"items": [CHECK] * 2000}).encode()

    def chunks() -> Iterator[bytes]:  # no Content-Length: the middleware must count the bytes itself
        for start in range(0, len(payload), 8192):
            yield payload[start : start + 8192]

    response = small_limit_api.client.post(
        "/v1/checks/batch",
        content=chunks(),
        headers={**HEADERS["approval"], "Content-Type": "application/json"},
    )
    body = _problem(response, 413)
    assert f"more than {BODY_LIMIT} bytes" in body["detail"], body


def test_a_batch_one_over_the_limit_is_422_naming_the_limit_and_checks_nothing(api: SecApi) -> None:
    before_version = api.store.data_version()
    before_audit = len(api.audit.query(action="check", limit=1000))
    response = api.client.post(
        "/v1/checks/batch", json={"items": [CHECK] * (MAX_BATCH + 1)}, headers=HEADERS["approval"]
    )
    body = _problem(response, 422)
    assert body["errors"][0]["field"] == "body.items", body["errors"][:1]
    assert f"{MAX_BATCH}" in body["detail"] and f"{MAX_BATCH + 1}" in body["detail"], body["detail"][:300]
    assert len(response.content) < 20_000, "the refusal must not echo the whole batch"
    assert api.store.data_version() == before_version
    assert len(api.audit.query(action="check", limit=1000)) == before_audit, "a refused batch is not a check"


@pytest.mark.parametrize("day", ["2026-02-30", "2025-13-01", "2026-00-10", "0000-01-01", "23/11/2026"])
def test_an_impossible_date_is_422_naming_the_field_and_the_value(api: SecApi, day: str) -> None:
    before = api.store.data_version()
    response = api.client.post("/v1/checks", json={**CHECK, "as_of": day}, headers=HEADERS["approval"])
    body = _problem(response, 422)
    assert body["errors"][0]["field"] == "body.as_of", body
    assert body["errors"][0]["value"] == day, body
    assert api.store.data_version() == before


@pytest.mark.parametrize("day", ["2026-02-30", "2026-11-31"])
def test_an_impossible_date_in_a_query_is_422_too(api: SecApi, day: str) -> None:
    response = api.client.get(f"/v1/subjects/{ORG.uscc}", params={"as_of": day}, headers=HEADERS["approval"])
    body = _problem(response, 422)
    assert body["errors"][0]["field"] == "query.as_of" and body["errors"][0]["value"] == day, body


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**CHECK, "scenario": "DROP TABLE"}, "body.scenario"),
        ({**CHECK, "depth": 99}, "body.depth"),
        ({**CHECK, "subject_id": "x" * 101}, "body.subject_id"),
        ({**CHECK, "subject_id": ""}, "body.subject_id"),
        ({"scenario": "bidding"}, "body.subject_id"),
    ],
)
def test_an_invalid_check_field_is_422_naming_it_and_changes_nothing(
    api: SecApi, payload: dict[str, Any], field: str
) -> None:
    before = api.store.data_version()
    response = api.client.post("/v1/checks", json=payload, headers=HEADERS["approval"])
    body = _problem(response, 422)
    assert field in [e["field"] for e in body["errors"]], body
    assert api.store.data_version() == before


@pytest.mark.parametrize("raw", [b"{", b"[]", b"null", b'{"subject_id": 5}'])
def test_a_body_that_is_not_the_expected_json_is_422_not_500(api: SecApi, raw: bytes) -> None:
    response = api.client.post(
        "/v1/checks", content=raw, headers={**HEADERS["approval"], "Content-Type": "application/json"}
    )
    _problem(response, 422)


@pytest.mark.parametrize("raw", [b"\xff\xfe\x00", '{"subject_id": "\u4e2d\u6587"}'.encode("gb18030")])
def test_a_body_that_is_not_utf8_is_400_asking_for_utf8(api: SecApi, raw: bytes) -> None:
    response = api.client.post(
        "/v1/checks", content=raw, headers={**HEADERS["approval"], "Content-Type": "application/json"}
    )
    body = _problem(response, 400)
    assert "UTF-8" in body["detail"], body


def test_an_unknown_subject_is_404_and_changes_nothing(api: SecApi) -> None:
    before = api.store.data_version()
    response = api.client.get("/v1/graph/subjects/91430923MA4L000000", headers=HEADERS["investigator"])
    assert response.status_code in (404, 422), response.text
    _problem(response, response.status_code)
    assert api.store.data_version() == before


PAIR = {"from": ORG.uscc, "to": LISTED.uscc}


@pytest.mark.parametrize(
    ("method", "url", "request_args", "field", "limit"),
    [
        ("POST", "/v1/checks", {"json": {**CHECK, "depth": 5}}, "body.depth", 4),
        (
            "GET",
            f"/v1/graph/subjects/{ORG.uscc}",
            {"params": {"depth": MAX_DEPTH + 1}},
            "query.depth",
            MAX_DEPTH,
        ),
        (
            "GET",
            f"/v1/graph/subjects/{ORG.uscc}",
            {"params": {"limit": MAX_LIMIT + 1}},
            "query.limit",
            MAX_LIMIT,
        ),
        (
            "GET",
            "/v1/graph/paths",
            {"params": {**PAIR, "max_hops": MAX_HOPS + 1}},
            "query.max_hops",
            MAX_HOPS,
        ),
        ("GET", "/v1/graph/paths", {"params": {**PAIR, "k": MAX_K + 1}}, "query.k", MAX_K),
        (
            "GET",
            f"/v1/graph/ownership/{ORG.uscc}",
            {"params": {"max_layers": MAX_LAYERS + 1}},
            "query.max_layers",
            MAX_LAYERS,
        ),
        (
            "POST",
            "/v1/graph/paths/batch",
            {"json": {"subject_ids": [ORG.uscc] * (MAX_BATCH_SUBJECTS + 1)}},
            "body.subject_ids",
            MAX_BATCH_SUBJECTS,
        ),
    ],
    ids=[
        "check-depth",
        "graph-depth",
        "graph-limit",
        "max-hops",
        "paths-k",
        "ownership-layers",
        "paths-batch",
    ],
)
def test_a_request_too_deep_or_too_big_is_422_naming_the_field_and_the_limit(
    api: SecApi, method: str, url: str, request_args: dict[str, Any], field: str, limit: int
) -> None:
    before = api.store.data_version()
    response = api.client.request(method, url, headers=HEADERS["admin"], **request_args)
    body = _problem(response, 422)
    assert [e["field"] for e in body["errors"]] == [field], body
    assert f"{limit}" in body["errors"][0]["reason"] and field in body["detail"], body
    assert api.store.data_version() == before


@pytest.mark.parametrize("opener", ["[", '{"a":'], ids=["arrays", "objects"])
def test_json_nested_past_the_parsers_limit_is_422_naming_the_limit_and_changes_nothing(
    api: SecApi, opener: str
) -> None:
    before = api.store.data_version()
    closer = "]" if opener == "[" else "}"
    deep = opener * 100_000 + ("1" if opener != "[" else "") + closer * 100_000
    raw = '{"entry_id": "E-DEEP", "subject_id": ' + deep + "}"
    response = api.client.post(
        "/v1/entries", content=raw, headers={**HEADERS["admin"], "Content-Type": "application/json"}
    )
    body = _problem(response, 422)
    assert f"{sys.getrecursionlimit()} levels" in body["detail"] and body["errors"][0]["field"] == "body", (
        body
    )
    assert api.store.data_version() == before
    assert api.client.get("/v1/entries/E-DEEP", headers=HEADERS["admin"]).status_code == 404


def test_json_nested_deeply_but_within_the_limit_is_refused_by_field_not_by_a_crash(api: SecApi) -> None:
    deep = "[" * 900 + "]" * 900
    raw = json.dumps(entry_body("E-DEEP-2"))[:-1] + ', "responsible_person_ids": ' + deep + "}"
    response = api.client.post(
        "/v1/entries", content=raw, headers={**HEADERS["admin"], "Content-Type": "application/json"}
    )
    body = _problem(response, 422)
    assert "body.responsible_person_ids.0" in [e["field"] for e in body["errors"]], body["errors"]
    assert len(response.content) < 20_000, "the refusal must not echo the whole structure"
