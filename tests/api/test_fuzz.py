"""Fuzzing the API from its own OpenAPI document (schemathesis): no 5xx, every answer matches its schema.

Every operation gets generated requests, valid (positive) and invalid (negative), each sent once with the
key of every role, on a small seeded registry in the memory store. Half the valid requests have their path
ids swapped for ids that exist (subjects, entries, a dispute, a repair, a task, a dead letter), so the
fuzzer reaches the code behind the 404 too: transitions, feedback, conflicts. Problem responses are checked
against :class:`api.errors.ProblemDetails` and must carry the request id of their response.

The suite runs a bounded number of examples per operation and mode (4: a few thousand requests). The long
run (100 examples: ≥ 1,000 requests per role, about 40,000 in all; see docs/security.md)::

    GRAPH_SERVICE_FUZZ_EXAMPLES=100 .venv/bin/pytest -q -rP -p no:cacheprovider tests/api/test_fuzz.py
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from api.errors import PROBLEM_MEDIA_TYPE, ProblemDetails
from tests.api.access_setups import disputed_entry, pending_repair, pending_task
from tests.api.security_support import HEADERS, LISTED, ORG, PERSONS, ROLES, SecApi, leaf_routes, open_api
from tests.api.webhook_access import dead_letter

# Not a Settings field: this tunes the test, not the service (Settings stays the service's configuration).
EXAMPLES = int(os.environ.get("GRAPH_SERVICE_FUZZ_EXAMPLES", "4"))
LONG_RUN = 100
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# Pages and files outside the OpenAPI document (include_in_schema=False): open GETs, nothing to fuzz.
NOT_IN_SCHEMA = {
    ("GET", p)
    for p in ("/", "/workspace", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json", "/static")
}

Operation = APIOperation[Any, Any, Any, Any]
Sent = Counter[tuple[str, str]]  # (operation label, role) -> requests


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecApi]:
    with open_api(tmp_path_factory.mktemp("fuzz")) as opened:
        yield opened


@pytest.fixture(scope="module")
def known(api: SecApi) -> dict[str, list[str]]:
    """Path ids that exist, by path parameter name: valid requests sometimes use them."""
    disputed, repair, task, letter = (
        disputed_entry(api),
        pending_repair(api),
        pending_task(api),
        dead_letter(api),
    )
    return {
        "subject_id": [ORG.uscc, LISTED.uscc, PERSONS[0].key, PERSONS[1].key],
        "entry_id": ["E-SEC-1", "E-SEC-2", disputed["entry_id"]],
        "dispute_id": [disputed["dispute_id"]],
        "repair_id": [repair["repair_id"]],
        "task_id": [task["task_id"]],
        "delivery_id": [letter["delivery_id"]],
    }


@pytest.fixture(scope="module")
def schema(api: SecApi) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", api.app)


@pytest.fixture(scope="module")
def sent() -> Sent:
    """Requests sent across the module, by operation and role (the long variant reports them)."""
    return Counter()


def _operations(schema: schemathesis.BaseSchema) -> list[Operation]:
    """Every operation of the document; one the document describes wrongly fails the test here."""
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations.append(result.ok())
    return operations


def _check_problem(response: Any) -> None:
    if response.headers.get("content-type", [""])[0] != PROBLEM_MEDIA_TYPE:
        return
    body = response.json()
    ProblemDetails.model_validate(body)
    assert body["status"] == response.status_code, body
    assert body["request_id"] == response.headers["x-request-id"][0], (body, response.headers)
    assert "Traceback" not in response.text, response.text


def _fuzz(
    schema: schemathesis.BaseSchema, mode: GenerationMode, known: dict[str, list[str]], sent: Sent
) -> list[str]:
    """Fuzz every operation in ``mode``; the operations that have nothing to make invalid are returned."""
    nothing_to_negate: list[str] = []
    for operation in _operations(schema):
        try:
            _fuzz_operation(operation, mode, known, sent)
        except Unsatisfiable:
            # No parameter and no body (the probes): a negative request cannot be built, only positive.
            if mode is not GenerationMode.NEGATIVE:
                raise
            nothing_to_negate.append(operation.label)
    return nothing_to_negate


def _fuzz_operation(
    operation: Operation, mode: GenerationMode, known: dict[str, list[str]], sent: Sent
) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the bounded run must not flake; the long run explores the same way, further
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case: Case[Any], data: st.DataObject) -> None:
        # Only valid requests get real ids: an invalid one must stay invalid.
        swap: bool = mode is GenerationMode.POSITIVE and data.draw(st.booleans())
        if swap and case.path_parameters:
            for name in case.path_parameters:
                if name in known:
                    case.path_parameters[name] = data.draw(st.sampled_from(known[name]))
        for role in ROLES:
            response = case.call(headers=HEADERS[role])
            sent[(operation.label, role)] += 1
            case.validate_response(response, checks=CHECKS, headers=HEADERS[role])
            _check_problem(response)

    run()


def test_the_openapi_document_lists_every_api_route_of_the_app(
    api: SecApi, schema: schemathesis.BaseSchema
) -> None:
    documented = {(op.method.upper(), op.path) for op in _operations(schema)}
    routes = set(leaf_routes(api.app.routes))
    assert routes - documented == NOT_IN_SCHEMA, sorted(routes - documented)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_generated_requests_of_every_role_get_no_5xx_and_answers_match_their_schema(
    schema: schemathesis.BaseSchema, mode: GenerationMode, known: dict[str, list[str]], sent: Sent
) -> None:
    before = sent.copy()
    skipped = _fuzz(schema, mode, known, sent)
    assert all(label.startswith(("GET /health", "GET /metrics")) for label in skipped), skipped
    labels = [op.label for op in _operations(schema)]
    unfuzzed = [
        (label, role)
        for label in labels
        if label not in skipped
        for role in ROLES
        if sent[(label, role)] == before[(label, role)]
    ]
    assert not unfuzzed, f"operations that got no request from a role: {unfuzzed}"


def test_the_long_variant_sends_at_least_a_thousand_requests_per_role(sent: Sent) -> None:
    if EXAMPLES < LONG_RUN:
        pytest.skip(f"GRAPH_SERVICE_FUZZ_EXAMPLES={EXAMPLES}: the long variant needs {LONG_RUN} or more")
    by_role = Counter[str]()
    for (_, role), count in sent.items():
        by_role[role] += count
    operations = len({label for label, _ in sent})
    print(f"fuzz: {sum(by_role.values())} requests over {operations} operations; by role {dict(by_role)}")
    assert min(by_role[role] for role in ROLES) >= 1000, by_role
