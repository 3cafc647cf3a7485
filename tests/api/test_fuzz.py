"""Fuzzing the API from its own OpenAPI document (schemathesis): no 5xx, every answer matches its schema.

Every operation gets generated requests, valid (positive) and invalid (negative), each sent once with the
key of every role, on a small seeded registry in the memory store. Problem responses are checked against
:class:`api.errors.ProblemDetails` and must carry the request id of their response.

The suite runs a bounded number of examples per operation and mode. For the long run (≥ 1,000 requests
per role; see docs/security.md)::

    GRAPH_SERVICE_FUZZ_EXAMPLES=100 .venv/bin/pytest -q -p no:cacheprovider tests/api/test_fuzz.py
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from api.errors import PROBLEM_MEDIA_TYPE, ProblemDetails
from tests.api.security_support import HEADERS, ROLES, SecApi, open_api

# Not a Settings field: this tunes the test, not the service (Settings stays the service's configuration).
EXAMPLES = int(os.environ.get("GRAPH_SERVICE_FUZZ_EXAMPLES", "4"))
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecApi]:
    with open_api(tmp_path_factory.mktemp("fuzz")) as opened:
        yield opened


@pytest.fixture(scope="module")
def schema(api: SecApi) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", api.app)


@pytest.fixture(scope="module")
def sent() -> Counter[str]:
    """Requests sent, by role, across the module (the long variant reports it)."""
    return Counter()


def _check_problem(response: Any) -> None:
    if response.headers.get("content-type", [""])[0] != PROBLEM_MEDIA_TYPE:
        return
    body = response.json()
    ProblemDetails.model_validate(body)
    assert body["status"] == response.status_code, body
    assert body["request_id"] == response.headers["x-request-id"][0], (body, response.headers)
    assert "Traceback" not in response.text, response.text


def _fuzz(schema: schemathesis.BaseSchema, mode: GenerationMode, sent: Counter[str]) -> list[str]:
    """Fuzz every operation in ``mode``; the operations that have nothing to make invalid are returned."""
    nothing_to_negate: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,  # the bounded run must not flake; the long run explores the same way, further
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Case) -> None:
            for role in ROLES:
                response = case.call(headers=HEADERS[role])
                sent[role] += 1
                case.validate_response(response, checks=CHECKS, headers=HEADERS[role])
                _check_problem(response)

        try:
            run()
        except Unsatisfiable:
            # No parameter and no body (the probes): a negative request cannot be built, only positive.
            if mode is not GenerationMode.NEGATIVE:
                raise
            nothing_to_negate.append(operation.label)
    return nothing_to_negate


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_generated_requests_of_every_role_get_no_5xx_and_answers_match_their_schema(
    schema: schemathesis.BaseSchema, mode: GenerationMode, sent: Counter[str]
) -> None:
    before = sum(sent.values())
    skipped = _fuzz(schema, mode, sent)
    operations = len(list(schema.get_all_operations())) - len(skipped)
    assert all(label.startswith(("GET /health", "GET /metrics")) for label in skipped), skipped
    assert sum(sent.values()) - before >= operations * len(ROLES), (operations, skipped, sent)


def test_the_long_variant_sends_at_least_a_thousand_requests_when_asked(sent: Counter[str]) -> None:
    if EXAMPLES < 100:
        pytest.skip(f"GRAPH_SERVICE_FUZZ_EXAMPLES={EXAMPLES}: the long variant needs 100 or more")
    assert min(sent[role] for role in ROLES) >= 1000, sent
