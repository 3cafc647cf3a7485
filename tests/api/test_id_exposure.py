"""No full 18-digit ID number reaches a role that may not see it, on any endpoint.

The scan walks the app's own routes: every route must have a call in the access table (the first test
fails otherwise, naming the route), and each of those calls — plus calls centred on persons and calls whose
error echoes an ID number — is made with every role but investigator and admin, and without a key (the
anonymous public). Every response body and header is scanned with the domain's own ID-number pattern. The
person-centred calls made as an investigator or an admin must show full numbers, so the scan is known to
find them when they are there.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from graph_service.domain.identifiers import ID_NUMBER_PATTERN
from graph_service.services.masking import UNMASKED_ROLES
from tests.api.access_setups import entry_body
from tests.api.security_support import (
    HEADERS,
    IMPLEMENTING_DEPT,
    PERSONS,
    ROLES,
    SecApi,
    leaf_routes,
    open_api,
)
from tests.api.test_access_control import CHECKERS, DEPARTMENTS, IMPLEMENTERS, INVESTIGATORS, TABLE, Call
from tests.factories import make_id_number

STRANGER = make_id_number(999)  # a valid ID number of nobody stored: errors name it
PERSON_CALLS = [
    ("GET", Call(f"/v1/subjects/{PERSONS[0].key}", CHECKERS)),
    ("POST", Call("/v1/checks", CHECKERS, json={"subject_id": PERSONS[1].key, "scenario": "bidding"})),
    ("GET", Call(f"/v1/graph/subjects/{PERSONS[0].key}", INVESTIGATORS, params={"depth": 2})),
    ("GET", Call("/v1/graph/search", INVESTIGATORS, params={"q": PERSONS[0].key[:10]})),
    ("GET", Call(f"/v1/graph/subjects/{PERSONS[0].key}/export", INVESTIGATORS, params={"format": "graphml"})),
    ("GET", Call("/v1/entries/E-SEC-2", DEPARTMENTS)),  # an entry on a person
    ("GET", Call("/v1/tasks", IMPLEMENTERS)),  # tasks on the legal representative of ORG
    ("GET", Call(f"/v1/graph/subjects/{PERSONS[0].key}/not-a-view", frozenset())),
    ("GET", Call("/v1/audit", frozenset(), params={"subject_id": PERSONS[1].key})),
    # Errors that name the ID number given: unknown subject, unknown responsible person.
    ("GET", Call(f"/v1/subjects/{STRANGER}", frozenset())),
    ("GET", Call(f"/v1/graph/subjects/{STRANGER}", frozenset())),
    (
        "POST",
        Call("/v1/entries", frozenset(), json={**entry_body("E-ID-1"), "responsible_person_ids": [STRANGER]}),
    ),
    ("POST", Call("/v1/entries", frozenset(), json={**entry_body("E-ID-2"), "subject_id": STRANGER})),
]
CALLS = [(method, call) for (method, _), call in sorted(TABLE.items())] + PERSON_CALLS
MASKED_ROLES = [role for role in ROLES if role not in UNMASKED_ROLES]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecApi]:
    with open_api(tmp_path_factory.mktemp("ids"), public_anonymous=True) as opened:
        # Audit records name persons: let the admin's audit query have some to show.
        for method, call in PERSON_CALLS[:3]:
            call.send(opened, method, HEADERS["admin"])
        # An initiated entry on ORG: its tasks and links name ORG's legal representative.
        response = opened.client.post("/v1/entries", json=entry_body("E-ID-0"), headers=HEADERS["admin"])
        assert response.status_code == 201, response.text
        yield opened


def test_the_scan_covers_every_route_of_the_app(api: SecApi) -> None:
    scanned = {(method, route) for method, route in TABLE}
    missing = sorted(set(leaf_routes(api.app.routes)) - scanned)
    assert not missing, f"routes the ID scan would not call (add a row to the access TABLE): {missing}"
    assert set(MASKED_ROLES) == set(ROLES) - {"investigator", "admin"}, MASKED_ROLES


@pytest.mark.parametrize("role", [*MASKED_ROLES, "anonymous"])
def test_no_response_to_a_masked_role_holds_a_full_id_number(api: SecApi, role: str) -> None:
    headers = HEADERS.get(role, {})
    answered = 0
    for method, call in CALLS:
        response = call.send(api, method, headers)
        found = ID_NUMBER_PATTERN.findall(_scannable(_without_own_task_subjects(response, role)))
        assert not found, (role, method, call.url, response.status_code, found)
        assert not ID_NUMBER_PATTERN.search(str(response.headers)), (role, call.url, response.headers)
        answered += 200 <= response.status_code < 300
    # The role really reached data: the open routes at least, and every route its role may call.
    assert answered >= sum(1 for _, call in CALLS if role in call.allowed or "*" in call.allowed), role


def _without_own_task_subjects(response: httpx.Response, role: str) -> httpx.Response:
    """The answer minus what need-to-know discloses: the subjects of an implementer's own tasks.

    Only ``task.subject_id`` of tasks of the key's own department may hold a full ID number (the
    department must know whom to restrict, 惩戒落实到人); ``test_trust_departments`` checks those reads
    are audited. Everything else in the answer is still scanned.
    """
    if role != "implementer" or response.request.url.path != "/v1/tasks" or response.status_code != 200:
        return response
    body = response.json()
    for view in body["tasks"]:
        assert view["task"]["department"] == IMPLEMENTING_DEPT, view
        view["task"]["subject_id"] = "disclosed"
    return httpx.Response(200, json=body, request=response.request)


@pytest.mark.parametrize("role", sorted(UNMASKED_ROLES))
def test_the_same_calls_show_full_id_numbers_to_an_investigator_and_an_admin(api: SecApi, role: str) -> None:
    shown = set()
    for method, call in PERSON_CALLS:
        if role not in call.allowed:
            continue
        response = call.send(api, method, HEADERS[role])
        assert 200 <= response.status_code < 300, (role, call.url, response.text[:300])
        shown |= {"".join(m) for m in ID_NUMBER_PATTERN.findall(response.text)}
    assert {PERSONS[0].key, PERSONS[1].key} <= shown, (role, shown)
    # The errors echo the unknown ID number in full to these roles (the masked roles saw it masked).
    response = api.client.get(f"/v1/subjects/{STRANGER}", headers=HEADERS[role])
    assert response.status_code == 404 and STRANGER in response.text, response.text


def _scannable(response: httpx.Response) -> str:
    """The text that could carry an ID number: for Prometheus metrics only the labels, not the samples.

    A sample such as ``0.017502201000752393`` holds 18 digits in a row; a label is where data could leak.
    """
    if not response.headers.get("content-type", "").startswith("text/plain; version="):
        return response.text
    families = text_string_to_metric_families(response.text)
    return "\n".join(str(sample.labels) for family in families for sample in family.samples)
