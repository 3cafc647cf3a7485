"""No full 18-digit ID number reaches a role that may not see it, on any endpoint.

Every call of the access table, plus calls centred on persons, is made with every role but investigator
and admin; every response body is scanned with the domain's own ID-number pattern. The same calls made as
an investigator must show full numbers, so the scan is known to find them when they are there.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph_service.domain.identifiers import ID_NUMBER_PATTERN
from graph_service.services.masking import UNMASKED_ROLES
from tests.api.security_support import HEADERS, PERSONS, ROLES, SecApi, open_api
from tests.api.test_access_control import OPEN, TABLE, Call

PERSON_CALLS = [
    ("GET", Call(f"/v1/subjects/{PERSONS[0].key}", frozenset())),
    ("POST", Call("/v1/checks", frozenset(), json={"subject_id": PERSONS[1].key, "scenario": "bidding"})),
    ("GET", Call(f"/v1/graph/subjects/{PERSONS[0].key}", frozenset(), params={"depth": 2})),
    ("GET", Call("/v1/graph/search", frozenset(), params={"q": PERSONS[0].key[:10]})),
    ("GET", Call(f"/v1/graph/subjects/{PERSONS[0].key}/export", frozenset(), params={"format": "graphml"})),
    ("GET", Call(f"/v1/graph/subjects/{PERSONS[0].key}/not-a-view", frozenset())),
    ("GET", Call("/v1/audit", frozenset(), params={"subject_id": PERSONS[1].key})),
]
CALLS = [
    (method, call) for (method, _), call in sorted(TABLE.items()) if call.allowed is not OPEN
] + PERSON_CALLS
MASKED_ROLES = [role for role in ROLES if role not in UNMASKED_ROLES]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecApi]:
    with open_api(tmp_path_factory.mktemp("ids"), public_anonymous=True) as opened:
        # Audit records name persons: let the admin's audit query have some to show.
        for method, call in PERSON_CALLS[:3]:
            opened.client.request(
                method, call.url, params=call.params, json=call.json, headers=HEADERS["admin"]
            )
        yield opened


@pytest.mark.parametrize("role", [*MASKED_ROLES, "anonymous"])
def test_no_response_to_a_masked_role_holds_a_full_id_number(api: SecApi, role: str) -> None:
    headers = HEADERS.get(role, {})
    for method, call in CALLS:
        response = api.client.request(method, call.url, params=call.params, json=call.json, headers=headers)
        found = ID_NUMBER_PATTERN.findall(response.text)
        assert not found, (role, method, call.url, response.status_code, found)
        assert not ID_NUMBER_PATTERN.search(str(response.headers)), (role, call.url, response.headers)


def test_the_same_calls_show_full_id_numbers_to_an_investigator(api: SecApi) -> None:
    shown = set()
    for method, call in PERSON_CALLS[:5]:
        response = api.client.request(
            method, call.url, params=call.params, json=call.json, headers=HEADERS["investigator"]
        )
        assert response.status_code == 200, (call.url, response.text[:300])
        shown |= {"".join(m) for m in ID_NUMBER_PATTERN.findall(response.text)}
    assert {PERSONS[0].key, PERSONS[1].key} <= shown, shown
