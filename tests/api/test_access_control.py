"""Every endpoint × every role: allowed roles get an answer, the others 403, no key 401.

The table below is the access policy. The test enumerates ``app.routes`` and fails for any route missing
from the table, so a new endpoint cannot ship without someone deciding who may call it: add a row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.api.security_support import HEADERS, LISTED, ORG, PERSON, ROLES, SecApi, leaf_routes, open_api

OPEN = frozenset({"*"})  # no key needed (probes, metrics, docs, the explorer page and its files)
CHECKERS = frozenset({"approval", "investigator", "initiator", "implementer", "admin"})
INVESTIGATORS = frozenset({"investigator", "admin"})
ADMINS = frozenset({"admin"})


@dataclass(frozen=True)
class Call:
    """A valid request to one route: the concrete URL, query parameters and JSON body."""

    url: str
    allowed: frozenset[str]
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None


CHECK = {"subject_id": ORG.uscc, "scenario": "bidding", "as_of": "2026-11-23"}

# (method, route template) -> a valid call and the roles allowed to make it.
TABLE: dict[tuple[str, str], Call] = {
    ("GET", "/openapi.json"): Call("/openapi.json", OPEN),
    ("GET", "/docs"): Call("/docs", OPEN),
    ("GET", "/docs/oauth2-redirect"): Call("/docs/oauth2-redirect", OPEN),
    ("GET", "/redoc"): Call("/redoc", OPEN),
    ("GET", "/"): Call("/", OPEN),
    ("GET", "/static"): Call("/static/explorer.js", OPEN),
    ("GET", "/health/live"): Call("/health/live", OPEN),
    ("GET", "/health/ready"): Call("/health/ready", OPEN),
    ("GET", "/metrics"): Call("/metrics", OPEN),
    ("GET", "/v1/audit"): Call("/v1/audit", ADMINS),
    ("POST", "/v1/checks"): Call("/v1/checks", CHECKERS, json=CHECK),
    ("POST", "/v1/checks/batch"): Call("/v1/checks/batch", CHECKERS, json={"items": [CHECK, CHECK]}),
    ("GET", "/v1/subjects/{subject_id}"): Call(f"/v1/subjects/{ORG.uscc}", CHECKERS),
    ("GET", "/v1/graph/search"): Call("/v1/graph/search", INVESTIGATORS, params={"q": "测试"}),
    ("GET", "/v1/graph/subjects/{subject_id}"): Call(f"/v1/graph/subjects/{ORG.uscc}", INVESTIGATORS),
    ("GET", "/v1/graph/subjects/{subject_id}/neighbours"): Call(
        f"/v1/graph/subjects/{ORG.uscc}/neighbours", INVESTIGATORS
    ),
    ("GET", "/v1/graph/paths"): Call(
        "/v1/graph/paths", INVESTIGATORS, params={"from": ORG.uscc, "to": LISTED.uscc}
    ),
    ("POST", "/v1/graph/paths/batch"): Call(
        "/v1/graph/paths/batch", INVESTIGATORS, json={"subject_ids": [ORG.uscc, LISTED.uscc, PERSON.key]}
    ),
    ("GET", "/v1/graph/ownership/{subject_id}"): Call(f"/v1/graph/ownership/{ORG.uscc}", INVESTIGATORS),
    ("GET", "/v1/graph/subjects/{subject_id}/analytics"): Call(
        f"/v1/graph/subjects/{ORG.uscc}/analytics", INVESTIGATORS
    ),
    ("GET", "/v1/graph/subjects/{subject_id}/export"): Call(
        f"/v1/graph/subjects/{ORG.uscc}/export", INVESTIGATORS, params={"format": "json"}
    ),
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecApi]:
    with open_api(tmp_path_factory.mktemp("access")) as opened:
        yield opened


def _send(api: SecApi, method: str, call: Call, headers: dict[str, str]) -> Any:
    return api.client.request(method, call.url, params=call.params, json=call.json, headers=headers)


def test_every_route_of_the_app_has_a_row_in_the_access_table(api: SecApi) -> None:
    routes = set(leaf_routes(api.app.routes))
    missing = sorted(routes - set(TABLE))
    stale = sorted(set(TABLE) - routes)
    assert not missing, f"routes without an access rule (add a row to TABLE): {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "route"), sorted(TABLE))
def test_each_role_is_allowed_or_forbidden_exactly_as_the_table_says(
    api: SecApi, role: str, method: str, route: str
) -> None:
    call = TABLE[(method, route)]
    response = _send(api, method, call, HEADERS[role])
    if call.allowed is OPEN or role in call.allowed:
        assert 200 <= response.status_code < 300, (role, method, call.url, response.text[:500])
    else:
        assert response.status_code == 403, (role, method, call.url, response.text[:500])
        body = response.json()
        assert response.headers["content-type"] == "application/problem+json", response.headers
        assert repr(role) in body["detail"], body


@pytest.mark.parametrize(("method", "route"), sorted(TABLE))
def test_a_call_without_a_key_is_401_unless_the_route_is_open(api: SecApi, method: str, route: str) -> None:
    call = TABLE[(method, route)]
    response = _send(api, method, call, {})
    if call.allowed is OPEN:
        assert 200 <= response.status_code < 300, (method, call.url, response.text[:500])
    else:
        assert response.status_code == 401, (method, call.url, response.text[:500])
        assert "X-API-Key" in response.json()["detail"], response.json()


@pytest.mark.parametrize(("method", "route"), sorted(TABLE))
def test_an_unknown_key_never_opens_a_protected_route(api: SecApi, method: str, route: str) -> None:
    call = TABLE[(method, route)]
    response = _send(api, method, call, {"X-API-Key": "k-sec-admin-012345678"})  # one character short
    expected = range(200, 300) if call.allowed is OPEN else range(401, 402)
    assert response.status_code in expected, (method, call.url, response.text[:500])
