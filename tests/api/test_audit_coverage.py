"""Every state change, check and exploration is audited, on every route that makes one.

Walks the access table: each call that changes something (any method but GET) and each read of a
subject's data (checks, profiles, the graph, the change feed, the audit itself) must leave an audit
record (a batch of checks: one per check) carrying the answer's request id, the caller's key name and
role. A new route of those kinds that forgets to audit fails here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.security_support import HEADERS, SecApi, open_api
from tests.api.test_access_control import TABLE

AUDITED_READS = ("/v1/graph/", "/v1/subjects/", "/v1/audit", "/v1/feed")
AUDITED = sorted(
    (method, route) for method, route in TABLE if method != "GET" or route.startswith(AUDITED_READS)
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecApi]:
    with open_api(tmp_path_factory.mktemp("audit-coverage")) as opened:
        yield opened


def test_the_audited_routes_include_every_state_change_and_exploration() -> None:
    methods = {method for method, _ in AUDITED}
    assert {"POST", "PATCH"} <= methods, methods
    assert ("POST", "/v1/entries") in AUDITED and ("GET", "/v1/graph/paths") in AUDITED, AUDITED


@pytest.mark.parametrize(("method", "route"), AUDITED)
def test_each_call_leaves_an_audit_record_with_its_request_id(api: SecApi, method: str, route: str) -> None:
    response = TABLE[(method, route)].send(api, method, HEADERS["admin"])
    assert 200 <= response.status_code < 300, response.text[:500]
    request_id = response.headers["x-request-id"]
    records = [r for r in api.audit.query(limit=10_000) if r.request_id == request_id]
    expected = len(TABLE[(method, route)].json["items"]) if route == "/v1/checks/batch" else 1
    assert len(records) == expected, (method, route, records)
    assert {(r.client, r.role) for r in records} == {("admin-client", "admin")}, records
