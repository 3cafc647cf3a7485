"""API keys and roles, masking of answers, and the audit log behind the API."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import Caller, KeyRing
from graph_service.audit import FileAuditLog, MemoryAuditLog
from graph_service.config import ApiKeyInfo, Settings
from graph_service.errors import BackendUnavailable
from graph_service.store.memory import MemoryStore
from tests.api.framework_app import (
    ADMIN,
    APPROVAL,
    ID,
    INVESTIGATOR,
    KEYS,
    MASKED_ID,
    PUBLIC,
    USCC,
    assert_problem,
    build,
)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(build(tmp_path), raise_server_exceptions=False) as test_client:
        yield test_client


# ---- authentication and roles -----------------------------------------------------------------------


def test_a_request_without_a_key_is_401_saying_which_header(client: TestClient) -> None:
    body = assert_problem(client.get("/test/person"), 401, "unauthorized")
    assert "X-API-Key" in body["detail"], body


def test_an_unknown_key_is_401_and_is_not_echoed(client: TestClient) -> None:
    response = client.get("/test/person", headers={"X-API-Key": "k-guess-0123456789"})
    body = assert_problem(response, 401, "unauthorized")
    assert "Unknown API key" in body["detail"] and "k-guess" not in response.text, body


def test_a_role_not_allowed_is_403_naming_the_role_and_the_allowed_ones(client: TestClient) -> None:
    body = assert_problem(client.get("/test/approvals-only", headers=PUBLIC), 403, "forbidden")
    assert "'public'" in body["detail"] and "admin, approval" in body["detail"], body


def test_an_allowed_role_and_admin_pass_the_role_check(client: TestClient) -> None:
    approved = client.get("/test/approvals-only", headers=APPROVAL)
    admin = client.get("/test/approvals-only", headers=ADMIN)
    assert (approved.status_code, approved.json()) == (200, {"caller": "county-approvals"}), approved.text
    assert (admin.status_code, admin.json()) == (200, {"caller": "ops"}), admin.text


def test_anonymous_callers_are_public_when_allowed(tmp_path: Path) -> None:
    with TestClient(build(tmp_path, public_anonymous=True)) as anonymous:
        person = anonymous.get("/test/person")
        approvals = anonymous.get("/test/approvals-only")
    assert (person.status_code, person.json()["person"]["id"]) == (200, MASKED_ID), person.text
    assert approvals.status_code == 403, approvals.text


def test_a_key_is_compared_with_every_stored_digest_even_after_a_match(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[bool] = []
    compare = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        result = compare(a, b)
        calls.append(result)
        return result

    ring = KeyRing({key: ApiKeyInfo.model_validate(info) for key, info in KEYS.items()})
    monkeypatch.setattr("api.auth.hmac.compare_digest", counting)

    found = ring.identify(next(iter(KEYS)))  # the first stored key

    assert found is not None and found.name == "ops", found
    assert calls == [True, False, False, False], calls


def test_the_app_keeps_only_digests_of_the_keys(client: TestClient) -> None:
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    assert ctx.settings.api_keys == {}
    held = repr(vars(ctx.keys))
    assert not any(key in held for key in KEYS), held


# ---- masking ------------------------------------------------------------------------------------


def test_answers_mask_id_numbers_for_roles_that_may_not_see_them(client: TestClient) -> None:
    masked = client.get("/test/person", headers=APPROVAL).json()
    full = client.get("/test/person", headers=INVESTIGATOR).json()

    assert masked == {"person": {"id": MASKED_ID, "employer": USCC}, "path": [USCC, MASKED_ID]}, masked
    assert full == {"person": {"id": ID, "employer": USCC}, "path": [USCC, ID]}, full


# ---- audit --------------------------------------------------------------------------------------


def test_audited_calls_can_be_queried_by_admins_only(client: TestClient) -> None:
    first = client.post(f"/test/checked/{USCC}", headers=APPROVAL)
    client.post(f"/test/checked/{ID}", headers=INVESTIGATOR)

    page = client.get("/v1/audit", params={"client": "county-approvals"}, headers=ADMIN)
    by_subject = client.get("/v1/audit", params={"subject_id": ID}, headers=ADMIN)
    refused = client.get("/v1/audit", headers=INVESTIGATOR)

    assert page.status_code == 200, page.text
    [record] = page.json()["records"]
    assert record["request_id"] == first.headers["x-request-id"], record
    assert (record["seq"], record["action"], record["subject_id"], record["role"]) == (
        1,
        "check",
        USCC,
        "approval",
    ), record
    assert [r["subject_id"] for r in by_subject.json()["records"]] == [ID], by_subject.json()
    assert_problem(refused, 403, "forbidden")


def test_audit_query_pages_and_filters_by_time(client: TestClient) -> None:
    for n in range(3):
        client.post(f"/test/checked/S{n}", headers=APPROVAL)

    first = client.get("/v1/audit", params={"limit": 2, "action": "check"}, headers=ADMIN).json()
    rest = client.get(
        "/v1/audit", params={"limit": 2, "action": "check", "after": first["next_after"]}, headers=ADMIN
    ).json()
    future = client.get("/v1/audit", params={"from": "2999-01-01T00:00:00Z"}, headers=ADMIN).json()

    assert [r["subject_id"] for r in first["records"]] == ["S0", "S1"], first
    assert ([r["subject_id"] for r in rest["records"]], rest["next_after"]) == (["S2"], None), rest
    assert future["records"] == [], future


def test_audit_query_refuses_a_time_without_offset(client: TestClient) -> None:
    response = client.get("/v1/audit", params={"from": "2025-01-01T00:00:00"}, headers=ADMIN)
    body = assert_problem(response, 422, "invalid-input")
    assert body["errors"][0]["field"] == "query.from" and body["errors"][0]["value"] == "2025-01-01T00:00:00"


def test_reading_the_audit_is_itself_audited(client: TestClient) -> None:
    client.get("/v1/audit", params={"client": "nobody"}, headers=ADMIN)
    reads = client.get("/v1/audit", params={"action": "audit.query"}, headers=ADMIN).json()["records"]
    assert [(r["client"], r["detail"]["client"]) for r in reads] == [("ops", "nobody")], reads


def test_shutdown_closes_the_audit_log_the_app_opened_but_not_the_given_store(tmp_path: Path) -> None:
    store = MemoryStore(None)
    app = build(tmp_path, store=store)
    with TestClient(app):
        pass

    store.ping()  # still open: the test owns it
    with pytest.raises(BackendUnavailable, match="closed"):
        app.state.ctx.audit.record(Caller("ops", "admin", "r1").event("check"))


def test_an_in_memory_store_gets_an_in_memory_audit_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    first = create_app(settings=Settings(api_keys=KEYS), store=MemoryStore(None))
    second = create_app(settings=Settings(api_keys=KEYS), store=MemoryStore(None))  # no lock clash

    assert isinstance(first.state.ctx.audit, MemoryAuditLog), first.state.ctx.audit
    assert first.state.ctx.audit is not second.state.ctx.audit
    assert list(tmp_path.iterdir()) == [], list(tmp_path.iterdir())


def test_a_store_with_a_data_dir_keeps_the_audit_file_beside_it(tmp_path: Path) -> None:
    store = MemoryStore(tmp_path / "store")
    app = build(tmp_path / "elsewhere", store=store)
    with TestClient(app) as persistent:
        persistent.post(f"/test/checked/{USCC}", headers=APPROVAL)
    store.close()

    audit = FileAuditLog(tmp_path / "store" / "audit.jsonl", read_only=True)
    assert [r.subject_id for r in audit.query()] == [USCC]
    assert audit.verify().ok
