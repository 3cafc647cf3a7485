"""Every endpoint × every role: allowed roles get an answer, the others 403, no key 401.

The table below is the access policy. The test enumerates ``app.routes`` and fails for any route missing
from the table, so a new endpoint cannot ship without someone deciding who may call it: add a row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.api.access_setups import (
    Setup,
    active_entry,
    disputed_entry,
    entry_body,
    new_entry_id,
    pending_repair,
    pending_task,
)
from tests.api.record_access import (
    COMPLAINT,
    commitment_body,
    issued_report,
    new_commitment_id,
    pending_commitment,
    routed_complaint,
)
from tests.api.security_support import HEADERS, LISTED, ORG, PERSON, ROLES, SecApi, leaf_routes, open_api
from tests.api.upload_access import UPLOAD_PARAMS, finished_load, signed_push, upload_file
from tests.api.webhook_access import dead_letter

OPEN = frozenset({"*"})  # no key needed (probes, metrics, docs, the explorer page and its files)
CHECKERS = frozenset({"approval", "investigator", "initiator", "implementer", "admin"})
INVESTIGATORS = frozenset({"investigator", "admin"})
ADMINS = frozenset({"admin"})
PEERS = frozenset({"peer", "admin"})  # the change feed: peer deployments (admin inspects it)
APPROVERS = frozenset({"approval", "admin"})  # approval departments: receive credit commitments
INITIATORS = frozenset({"initiator", "admin"})  # list, revoke, decide (their own entries; admin any)
IMPLEMENTERS = frozenset({"implementer", "admin"})  # pull tasks, report back
DEPARTMENTS = frozenset({"initiator", "implementer", "admin"})  # read the workflow, file disputes/repairs
EVERYONE = frozenset(ROLES)  # the public query: any key (and no key when public_anonymous is set)


@dataclass(frozen=True)
class Call:
    """A valid request to one route: the concrete URL, query parameters and JSON body.

    A call that is valid only once (filing a dispute, deciding a repair) names a ``setup``: it makes fresh
    state before every sending and returns the values of the ``{placeholders}`` in ``url`` and in the
    body's strings (see tests/api/access_setups.py).
    """

    url: str
    allowed: frozenset[str]
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    setup: Setup | None = None
    #: A raw body and extra headers for the caller's headers (an uploaded file, a signed pushed page).
    content: Callable[[Mapping[str, str]], tuple[bytes, dict[str, str]]] | None = None

    def send(self, api: SecApi, method: str, headers: Mapping[str, str]) -> httpx.Response:
        """Make the call's fresh state (if any) and send it with ``headers``."""
        url, body = self.url, self.json
        if self.setup is not None:
            values = self.setup(api)
            url, body = url.format_map(values), _fill(body, values)
        if self.content is not None:
            raw, extra = self.content(headers)
            response: httpx.Response = api.client.request(
                method, url, params=self.params, content=raw, headers={**headers, **extra}
            )
            return response
        response = api.client.request(method, url, params=self.params, json=body, headers=dict(headers))
        return response


def _fill(body: Any, values: Mapping[str, str]) -> Any:
    if isinstance(body, str):
        return body.format_map(values)
    if isinstance(body, dict):
        return {key: _fill(value, values) for key, value in body.items()}
    if isinstance(body, list):
        return [_fill(item, values) for item in body]
    return body


CHECK = {"subject_id": ORG.uscc, "scenario": "bidding", "as_of": "2026-11-23"}
REVOKE = {"status": "revoked", "reason": "认定依据被撤销"}
DISPUTE = {"grounds": "税款已于2026年10月缴清", "filed_by": ORG.name}
UPHOLD = {"outcome": "upheld", "reason": "经核实，认定无误"}
APPROVE = {"approve": True, "reason": "已完成整改"}
FEEDBACK = {"outcome": "applied", "date": "2026-11-23"}

# (method, route template) -> a valid call and the roles allowed to make it.
TABLE: dict[tuple[str, str], Call] = {
    ("GET", "/openapi.json"): Call("/openapi.json", OPEN),
    ("GET", "/docs"): Call("/docs", OPEN),
    ("GET", "/docs/oauth2-redirect"): Call("/docs/oauth2-redirect", OPEN),
    ("GET", "/redoc"): Call("/redoc", OPEN),
    ("GET", "/"): Call("/", OPEN),
    ("GET", "/workspace"): Call("/workspace", OPEN),  # the page; its data calls need a department's key
    ("GET", "/static"): Call("/static/explorer.js", OPEN),
    ("GET", "/health/live"): Call("/health/live", OPEN),
    ("GET", "/health/ready"): Call("/health/ready", OPEN),
    ("GET", "/metrics"): Call("/metrics", OPEN),
    ("GET", "/v1/audit"): Call("/v1/audit", ADMINS),
    ("POST", "/v1/checks"): Call("/v1/checks", CHECKERS, json=CHECK),
    ("POST", "/v1/checks/batch"): Call("/v1/checks/batch", CHECKERS, json={"items": [CHECK, CHECK]}),
    ("GET", "/v1/feed"): Call("/v1/feed", PEERS, params={"limit": 5}),  # signed change feed
    ("POST", "/v1/feed/push"): Call("/v1/feed/push", PEERS, content=signed_push),  # a hub receives
    ("GET", "/v1/subjects/{subject_id}"): Call(f"/v1/subjects/{ORG.uscc}", CHECKERS),
    ("GET", "/v1/subjects/{subject_id}/report"): Call(f"/v1/subjects/{ORG.uscc}/report", CHECKERS),
    ("GET", "/v1/reports/{report_no}"): Call("/v1/reports/{report_no}", EVERYONE, setup=issued_report),
    # Credit commitments: received and acted on by approval departments; published ones are public.
    ("POST", "/v1/commitments"): Call(
        "/v1/commitments", APPROVERS, json=commitment_body("{commitment_id}"), setup=new_commitment_id
    ),
    ("GET", "/v1/commitments"): Call("/v1/commitments", CHECKERS, params={"subject_id": ORG.uscc}),
    ("GET", "/v1/commitments/published"): Call("/v1/commitments/published", EVERYONE),
    ("POST", "/v1/commitments/breaches"): Call("/v1/commitments/breaches", INITIATORS),
    ("POST", "/v1/commitments/{commitment_id}/confirm"): Call(
        "/v1/commitments/{commitment_id}/confirm", APPROVERS, json={}, setup=pending_commitment
    ),
    ("POST", "/v1/commitments/{commitment_id}/publish"): Call(
        "/v1/commitments/{commitment_id}/publish", APPROVERS, setup=pending_commitment
    ),
    # Complaints and reports from the public: anyone files and follows one; the department it is with acts.
    ("POST", "/v1/complaints"): Call("/v1/complaints", EVERYONE, json=COMPLAINT),
    ("GET", "/v1/complaints/{complaint_id}/receipt"): Call(
        "/v1/complaints/{complaint_id}/receipt", EVERYONE, setup=routed_complaint
    ),
    ("GET", "/v1/complaints"): Call("/v1/complaints", DEPARTMENTS),
    ("POST", "/v1/complaints/{complaint_id}/route"): Call(
        "/v1/complaints/{complaint_id}/route",
        IMPLEMENTERS,
        json={"department": "税务部门"},
        setup=routed_complaint,
    ),
    ("POST", "/v1/complaints/{complaint_id}/close"): Call(
        "/v1/complaints/{complaint_id}/close",
        IMPLEMENTERS,
        json={"outcome": "unsubstantiated", "note": "经查不属实"},
        setup=routed_complaint,
    ),
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
    # The workflow: {placeholders} are filled by each call's setup with fresh state (access_setups.py).
    ("POST", "/v1/entries"): Call(
        "/v1/entries", INITIATORS, json=entry_body("{entry_id}"), setup=new_entry_id
    ),
    ("GET", "/v1/entries/{entry_id}"): Call("/v1/entries/E-SEC-1", DEPARTMENTS),
    ("GET", "/v1/entries"): Call("/v1/entries", INITIATORS, params={"limit": 5}),
    # Uploads and the workspace's reads: the credit office and the listing departments.
    ("POST", "/v1/loads"): Call("/v1/loads", INITIATORS, params=UPLOAD_PARAMS, content=upload_file),
    ("GET", "/v1/loads/{load_id}"): Call("/v1/loads/{load_id}", INITIATORS, setup=finished_load),
    ("GET", "/v1/loads/{load_id}/rejects"): Call(
        "/v1/loads/{load_id}/rejects", INITIATORS, setup=finished_load
    ),
    ("GET", "/v1/workspace/queues"): Call("/v1/workspace/queues", INITIATORS),
    ("GET", "/v1/workspace/entries/{entry_id}/events"): Call(
        "/v1/workspace/entries/E-SEC-1/events", INITIATORS
    ),
    ("PATCH", "/v1/entries/{entry_id}"): Call(
        "/v1/entries/{entry_id}", INITIATORS, json=REVOKE, setup=active_entry
    ),
    ("POST", "/v1/entries/{entry_id}/disputes"): Call(
        "/v1/entries/{entry_id}/disputes", DEPARTMENTS, json=DISPUTE, setup=active_entry
    ),
    ("POST", "/v1/entries/{entry_id}/disputes/{dispute_id}/resolve"): Call(
        "/v1/entries/{entry_id}/disputes/{dispute_id}/resolve", INITIATORS, json=UPHOLD, setup=disputed_entry
    ),
    ("GET", "/v1/disputes"): Call("/v1/disputes", DEPARTMENTS),
    ("POST", "/v1/entries/{entry_id}/repair"): Call(
        "/v1/entries/{entry_id}/repair", DEPARTMENTS, json={"evidence": "已整改"}, setup=active_entry
    ),
    ("POST", "/v1/repairs/{repair_id}/decide"): Call(
        "/v1/repairs/{repair_id}/decide", INITIATORS, json=APPROVE, setup=pending_repair
    ),
    ("GET", "/v1/tasks"): Call("/v1/tasks", IMPLEMENTERS),
    ("POST", "/v1/tasks/{task_id}/feedback"): Call(
        "/v1/tasks/{task_id}/feedback", IMPLEMENTERS, json=FEEDBACK, setup=pending_task
    ),
    # Public query (every role; no key only with public_anonymous), statistics, the push's state.
    ("GET", "/v1/public/entries"): Call("/v1/public/entries", EVERYONE, params={"limit": 10}),
    ("GET", "/v1/public/subjects/{subject_id}"): Call(f"/v1/public/subjects/{LISTED.uscc}", EVERYONE),
    ("GET", "/v1/stats"): Call("/v1/stats", INITIATORS, params={"from": "2026-10-01", "to": "2026-10-31"}),
    ("GET", "/v1/webhooks"): Call("/v1/webhooks", ADMINS),
    ("GET", "/v1/webhooks/dead-letters"): Call("/v1/webhooks/dead-letters", ADMINS),
    ("POST", "/v1/webhooks/dead-letters/{delivery_id}/requeue"): Call(
        "/v1/webhooks/dead-letters/{delivery_id}/requeue", ADMINS, setup=dead_letter
    ),
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecApi]:
    with open_api(tmp_path_factory.mktemp("access")) as opened:
        yield opened


def _send(api: SecApi, method: str, call: Call, headers: dict[str, str]) -> Any:
    return call.send(api, method, headers)


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
