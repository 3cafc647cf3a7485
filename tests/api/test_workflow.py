"""The joint reward/punishment workflow over HTTP, on both backends.

Initiation creates tasks; disputes suspend them (and checks report the entry as suspended at once);
resolution, revocation and repair move the entry and its tasks in one step; illegal moves answer 409 with
what is allowed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.clock import now
from graph_service.audit import MemoryAuditLog
from graph_service.config import Settings
from graph_service.domain.lifecycle import feedback_deadline
from graph_service.domain.model import RelationKind
from graph_service.store.base import GraphStore
from tests.factories import make_entry, make_org, make_person, make_relation

TAX = "国家税务总局测试县税务局"  # the initiating department of make_entry, and a key name below
KEYS = {
    "k-tax": {"role": "initiator", "name": TAX},
    "k-other-initiator": {"role": "initiator", "name": "测试县市场监管局"},
    "k-impl": {"role": "implementer", "name": "市场监管部门"},
    "k-approval": {"role": "approval", "name": "county-approvals"},
    "k-admin": {"role": "admin", "name": "admin"},
}
INITIATOR, OTHER_INITIATOR, IMPLEMENTER, APPROVAL, ADMIN = ({"X-API-Key": k} for k in KEYS)
ORG = make_org(1)
REP = make_person(1)  # legal representative of ORG since 2020
CULPRIT = make_person(2)  # no role; named directly responsible only by a correction
TODAY = dt.date.today()
#: The app's clock is pinned to noon of TODAY: a run that crosses midnight must not move the deadlines.
NOON = dt.datetime.combine(TODAY, dt.time(12)).astimezone()
MARKET = "市场监管部门"  # the implementer key's department

#: Measures a black tax entry triggers on the listed enterprise itself, with their departments (catalog).
ORG_TASKS = {
    ("market_ban", "市场监管部门"),
    ("market_ban", "行业主管部门"),
    ("restrict_public_resources", "公共资源交易管理部门"),
    ("restrict_public_resources", "财政部门"),
    ("restrict_fiscal_funds", "财政部门"),
    ("restrict_fiscal_funds", "发展改革部门"),
    ("strict_license_review", "行政审批服务部门"),
    ("restrict_financing", "金融监管部门"),
    ("restrict_franchise", "发展改革部门"),
    ("restrict_franchise", "住房城乡建设部门"),
    ("revoke_honors", "精神文明建设部门"),
    ("revoke_honors", "评先评优表彰部门"),
    ("risk_pricing", "金融机构"),
}
#: ... and on its legal representative, including the personal credit record (a record measure).
REP_TASKS = {
    ("market_ban", "市场监管部门"),
    ("market_ban", "行业主管部门"),
    ("revoke_honors", "精神文明建设部门"),
    ("revoke_honors", "评先评优表彰部门"),
    ("personal_credit_record", "社会信用体系建设牵头部门"),
}


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    store.upsert_organizations([ORG])
    store.upsert_persons([REP, CULPRIT])
    store.upsert_relations(
        [make_relation(RelationKind.LEGAL_REPRESENTATIVE, REP.key, ORG.uscc, dt.date(2020, 1, 1))]
    )
    audit = MemoryAuditLog()
    settings = Settings(api_keys=KEYS, data_dir=tmp_path, feedback_day_of_month=10, dispute_days=15)
    app = create_app(settings=settings, store=store, audit_log=audit)
    app.dependency_overrides[now] = lambda: NOON
    with TestClient(app) as c:
        c.app_audit = audit
        yield c
    audit.close()


def _entry_body(entry_id: str = "E-1", **kw: Any) -> dict[str, Any]:
    return make_entry(entry_id, ORG.uscc, act_on=dt.date(2024, 1, 2), **kw).model_dump(mode="json")


def _created(client: TestClient, entry_id: str = "E-1", **kw: Any) -> dict[str, Any]:
    r = client.post("/v1/entries", json=_entry_body(entry_id, **kw), headers=INITIATOR)
    assert r.status_code == 201, r.text
    assert r.json()["entry"]["entry_id"] == entry_id
    return _state(client, entry_id)  # as admin: ID numbers unmasked


def _state(client: TestClient, entry_id: str = "E-1") -> dict[str, Any]:
    r = client.get(f"/v1/entries/{entry_id}", headers=ADMIN)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _disputed(client: TestClient, entry_id: str = "E-1") -> str:
    r = client.post(
        f"/v1/entries/{entry_id}/disputes",
        json={"grounds": "已缴清", "filed_by": ORG.name},
        headers=IMPLEMENTER,
    )
    assert r.status_code == 201, r.text
    dispute_id: str = r.json()["dispute_id"]
    return dispute_id


def _resolve(client: TestClient, dispute_id: str, headers: dict[str, str] = INITIATOR, **body: Any) -> Any:
    return client.post(f"/v1/entries/E-1/disputes/{dispute_id}/resolve", json=body, headers=headers)


def _check(client: TestClient, subject_id: str, scenario: str = "bidding") -> dict[str, Any]:
    body = {"subject_id": subject_id, "scenario": scenario, "as_of": TODAY.isoformat(), "depth": 1}
    r = client.post("/v1/checks", json=body, headers=APPROVAL)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def _task_states(client: TestClient) -> set[str]:
    return {t["status"] for t in _state(client)["tasks"]}


def _actions(client: TestClient) -> list[str]:
    audit: MemoryAuditLog = client.app_audit
    audit.flush()
    return [record.action for record in audit.query(limit=1000)]


def test_initiating_a_black_entry_creates_a_task_per_measure_subject_and_department(
    client: TestClient,
) -> None:
    state = _created(client)
    found = {(t["measure_id"], t["subject_id"], t["department"]) for t in state["tasks"]}
    expected = {(m, ORG.uscc, d) for m, d in ORG_TASKS} | {(m, REP.key, d) for m, d in REP_TASKS}
    assert found == expected, found ^ expected
    assert {t["status"] for t in state["tasks"]} == {"pending"}
    assert {t["due_on"] for t in state["tasks"]} == {feedback_deadline(TODAY, 10).isoformat()}
    assert [(c["from_status"], c["to_status"]) for c in state["history"]] == [(None, "active")]
    assert "entry.create" in _actions(client)


def test_an_expired_entry_is_stored_without_tasks(client: TestClient) -> None:
    state = _created(client, valid_until="2024-12-31")
    assert state["entry"]["entry_id"] == "E-1"
    assert state["tasks"] == [], state["tasks"]


def test_a_duplicate_entry_id_is_a_conflict(client: TestClient) -> None:
    _created(client)
    r = client.post("/v1/entries", json=_entry_body(reason="again"), headers=INITIATOR)
    assert r.status_code == 409, r.text
    assert "E-1" in r.json()["detail"]


def test_an_entry_is_validated_like_the_loader_names_the_bad_field(client: TestClient) -> None:
    body = {**_entry_body(), "subject_id": "91430923MA4L2B3C1X"}
    r = client.post("/v1/entries", json=body, headers=INITIATOR)
    assert r.status_code == 422, r.text
    assert "subject_id" in r.text
    assert client.get("/v1/entries/E-1", headers=ADMIN).status_code == 404


def test_only_initiators_create_entries(client: TestClient) -> None:
    r = client.post("/v1/entries", json=_entry_body(), headers=IMPLEMENTER)
    assert r.status_code == 403, r.text


def test_a_dispute_suspends_every_task_and_checks_report_it_suspended_at_once(client: TestClient) -> None:
    _created(client)
    assert _check(client, ORG.uscc)["verdict"] == "block"
    dispute_id = _disputed(client)
    state = _state(client)
    assert state["entry"]["status"] == "disputed"
    assert {t["status"] for t in state["tasks"]} == {"suspended"}
    assert state["disputes"][0]["dispute_id"] == dispute_id
    assert state["disputes"][0]["due_on"] == (TODAY + dt.timedelta(days=15)).isoformat()
    result = _check(client, ORG.uscc)
    assert [s["entry_id"] for s in result["suspended"]] == ["E-1"], result
    assert result["measures"] == [], result["measures"]
    suspended = client.get(
        "/v1/tasks", params={"dept": "市场监管部门", "status": "suspended"}, headers=IMPLEMENTER
    )
    assert len(suspended.json()["tasks"]) == 2, suspended.json()
    assert "entry.dispute" in _actions(client)


def test_an_upheld_dispute_restores_each_task_to_its_state_before(client: TestClient) -> None:
    state = _created(client)
    first = _own_task(state)
    answer = {"outcome": "applied", "date": TODAY.isoformat()}
    assert client.post(f"/v1/tasks/{first}/feedback", json=answer, headers=IMPLEMENTER).status_code == 200
    dispute_id = _disputed(client)
    r = _resolve(client, dispute_id, outcome="upheld", reason="核实无误")
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["entry"]["status"] == "active"
    assert after["entry"]["version"] == 3
    statuses = {t["task_id"]: t["status"] for t in after["tasks"]}
    assert statuses.pop(first) == "applied"
    assert set(statuses.values()) == {"pending"}
    assert after["disputes"][0]["status"] == "upheld"
    assert [c["to_status"] for c in after["history"]] == ["active", "disputed", "active"]
    assert _check(client, ORG.uscc)["verdict"] == "block"


def test_a_corrected_dispute_changes_fields_in_a_new_version_and_relinks(client: TestClient) -> None:
    _created(client)
    dispute_id = _disputed(client)
    changes = {"reason": "更正后的事由", "responsible_person_ids": [CULPRIT.key]}
    r = _resolve(client, dispute_id, outcome="corrected", reason="部分更正", changes=changes)
    assert r.status_code == 200, r.text
    after = r.json()
    assert (after["entry"]["reason"], after["entry"]["version"]) == ("更正后的事由", 3)
    assert _state(client)["entry"]["responsible_person_ids"] == [CULPRIT.key]
    tasks = _state(client)["tasks"]
    record = [
        t for t in tasks if t["subject_id"] == CULPRIT.key and t["measure_id"] == "personal_credit_record"
    ]
    assert [t["status"] for t in record] == ["pending"], tasks
    assert [c["to_status"] for c in after["history"]] == ["active", "disputed", "active"]
    assert _check(client, CULPRIT.key, "high_consumption")["suspended"] == []


def test_a_correction_of_an_unknown_field_is_refused_and_the_dispute_stays_open(client: TestClient) -> None:
    _created(client)
    dispute_id = _disputed(client)
    r = _resolve(client, dispute_id, outcome="corrected", reason="x", changes={"entry_id": "E-2"})
    assert r.status_code == 422, r.text
    assert _state(client)["entry"]["status"] == "disputed"


def test_a_revoked_dispute_revokes_the_entry_and_lifts_its_tasks(client: TestClient) -> None:
    _created(client)
    dispute_id = _disputed(client)
    r = _resolve(client, dispute_id, outcome="revoked", reason="认定错误")
    assert r.status_code == 200, r.text
    assert r.json()["entry"]["status"] == "revoked"
    assert _task_states(client) == {"lifted"}
    assert _check(client, ORG.uscc)["verdict"] != "block"


def test_only_the_initiating_department_resolves_a_dispute(client: TestClient) -> None:
    _created(client)
    dispute_id = _disputed(client)
    r = _resolve(client, dispute_id, headers=OTHER_INITIATOR, outcome="upheld", reason="x")
    assert r.status_code == 403, r.text
    assert TAX in r.json()["detail"]
    assert _resolve(client, dispute_id, headers=ADMIN, outcome="upheld", reason="x").status_code == 200


def test_a_resolved_dispute_cannot_be_resolved_again(client: TestClient) -> None:
    _created(client)
    dispute_id = _disputed(client)
    assert _resolve(client, dispute_id, outcome="upheld", reason="x").status_code == 200
    r = _resolve(client, dispute_id, outcome="revoked", reason="y")
    assert r.status_code == 409, r.text
    assert _state(client)["entry"]["status"] == "active"


def test_disputing_a_disputed_entry_is_a_conflict_listing_the_allowed_actions(client: TestClient) -> None:
    _created(client)
    _disputed(client)
    r = client.post(
        "/v1/entries/E-1/disputes", json={"grounds": "again", "filed_by": "x"}, headers=IMPLEMENTER
    )
    assert r.status_code == 409, r.text
    assert "allowed: uphold, correct, revoke" in r.json()["detail"]


def test_repair_approved_lifts_tasks_and_clears_the_entity_and_the_person_in_one_step(
    client: TestClient,
) -> None:
    _created(client)
    assert _check(client, REP.key, "administrative_license")["verdict"] == "block"
    r = client.post("/v1/entries/E-1/repair", json={"evidence": "已整改"}, headers=IMPLEMENTER)
    assert r.status_code == 201, r.text
    repair_id = r.json()["repair_id"]
    assert _state(client)["entry"]["status"] == "active"  # applying changes nothing yet
    decided = client.post(
        f"/v1/repairs/{repair_id}/decide", json={"approve": True, "reason": "整改到位"}, headers=INITIATOR
    )
    assert decided.status_code == 200, decided.text
    state = _state(client)
    assert state["entry"]["status"] == "repaired"
    assert {t["status"] for t in state["tasks"]} == {"lifted"}
    assert state["history"][-1]["actor"] == TAX
    assert _check(client, ORG.uscc)["measures"] == []
    assert _check(client, REP.key, "administrative_license")["measures"] == []
    assert "entry.repair_decide" in _actions(client)


def test_a_rejected_repair_leaves_the_entry_active(client: TestClient) -> None:
    _created(client)
    repair_id = client.post("/v1/entries/E-1/repair", json={"evidence": "x"}, headers=IMPLEMENTER).json()[
        "repair_id"
    ]
    r = client.post(
        f"/v1/repairs/{repair_id}/decide", json={"approve": False, "reason": "材料不全"}, headers=INITIATOR
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "rejected"
    assert _state(client)["entry"]["status"] == "active"
    again = client.post(
        f"/v1/repairs/{repair_id}/decide", json={"approve": True, "reason": "x"}, headers=INITIATOR
    )
    assert again.status_code == 409, again.text


def test_only_the_initiating_department_decides_a_repair(client: TestClient) -> None:
    _created(client)
    repair_id = client.post("/v1/entries/E-1/repair", json={"evidence": "x"}, headers=IMPLEMENTER).json()[
        "repair_id"
    ]
    r = client.post(
        f"/v1/repairs/{repair_id}/decide", json={"approve": True, "reason": "x"}, headers=OTHER_INITIATOR
    )
    assert r.status_code == 403, r.text
    assert _state(client)["entry"]["status"] == "active"


def test_repairing_a_revoked_entry_is_a_conflict_with_no_allowed_action(client: TestClient) -> None:
    _created(client)
    r = client.patch("/v1/entries/E-1", json={"status": "revoked", "reason": "撤销"}, headers=INITIATOR)
    assert r.status_code == 200, r.text
    assert _task_states(client) == {"lifted"}
    repair = client.post("/v1/entries/E-1/repair", json={"evidence": "x"}, headers=IMPLEMENTER)
    assert repair.status_code == 409, repair.text
    assert "none (final state)" in repair.json()["detail"]
    again = client.patch("/v1/entries/E-1", json={"status": "revoked", "reason": "again"}, headers=INITIATOR)
    assert again.status_code == 409, again.text


def test_repairing_a_disputed_entry_is_a_conflict(client: TestClient) -> None:
    _created(client)
    _disputed(client)
    r = client.post("/v1/entries/E-1/repair", json={"evidence": "x"}, headers=IMPLEMENTER)
    assert r.status_code == 409, r.text
    assert "allowed: uphold, correct, revoke" in r.json()["detail"]


def _own_task(state: dict[str, Any]) -> str:
    """The id of a task of the implementer key's department (市场监管部门) in an entry's state."""
    own = [str(t["task_id"]) for t in state["tasks"] if t["department"] == MARKET]
    assert own, state["tasks"]
    return own[0]


def test_feedback_on_a_suspended_or_lifted_task_is_a_conflict(client: TestClient) -> None:
    task_id = _own_task(_created(client))
    answer = {"outcome": "applied", "date": TODAY.isoformat()}
    dispute_id = _disputed(client)
    suspended = client.post(f"/v1/tasks/{task_id}/feedback", json=answer, headers=IMPLEMENTER)
    assert suspended.status_code == 409, suspended.text
    assert "suspended" in suspended.json()["detail"]
    assert _resolve(client, dispute_id, outcome="revoked", reason="x").status_code == 200
    lifted = client.post(f"/v1/tasks/{task_id}/feedback", json=answer, headers=IMPLEMENTER)
    assert lifted.status_code == 409, lifted.text
    assert "lifted" in lifted.json()["detail"]


def test_feedback_not_applied_needs_a_reason(client: TestClient) -> None:
    task_id = _own_task(_created(client))
    body = {"outcome": "not_applied", "date": TODAY.isoformat()}
    r = client.post(f"/v1/tasks/{task_id}/feedback", json=body, headers=IMPLEMENTER)
    assert r.status_code == 422, r.text
    assert "reason" in r.json()["detail"]
    ok = client.post(f"/v1/tasks/{task_id}/feedback", json={**body, "reason": "未申请"}, headers=IMPLEMENTER)
    assert ok.status_code == 200, ok.text
    assert (ok.json()["status"], ok.json()["feedback"]["reason"]) == ("not_applied", "未申请")
    assert "task.feedback" in _actions(client)


def test_departments_pull_their_own_tasks(client: TestClient) -> None:
    _created(client)
    r = client.get("/v1/tasks", params={"dept": "金融机构"}, headers=ADMIN)
    assert r.status_code == 200, r.text
    views = r.json()["tasks"]
    assert [(v["task"]["measure_id"], v["status"], v["overdue"]) for v in views] == [
        ("risk_pricing", "pending", False)
    ]
    own = client.get("/v1/tasks", headers=IMPLEMENTER).json()["tasks"]
    assert own and {v["task"]["department"] for v in own} == {MARKET}, own
    assert client.get("/v1/tasks", params={"overdue": "true"}, headers=IMPLEMENTER).json()["tasks"] == []
    assert client.get("/v1/tasks", headers=APPROVAL).status_code == 403


def test_open_disputes_are_listed(client: TestClient) -> None:
    _created(client)
    dispute_id = _disputed(client)
    r = client.get("/v1/disputes", headers=INITIATOR)
    assert r.status_code == 200, r.text
    assert [(d["dispute"]["dispute_id"], d["overdue"]) for d in r.json()["disputes"]] == [(dispute_id, False)]
    assert client.get("/v1/disputes", params={"overdue": "true"}, headers=INITIATOR).json()["disputes"] == []


def test_an_entry_decided_in_another_region_is_disputed_repaired_and_revoked_only_there(
    client: TestClient, store: GraphStore
) -> None:
    # 谁认定、谁修复: a peer's entry arrives by the feed and leaves by it; our copy is enforced, not changed.
    store.upsert_entries([make_entry("E-PEER", ORG.uscc, source_region="440305")])

    dispute = client.post(
        "/v1/entries/E-PEER/disputes", json={"grounds": "已缴清", "filed_by": ORG.name}, headers=IMPLEMENTER
    )
    repair = client.post("/v1/entries/E-PEER/repair", json={"evidence": "已整改"}, headers=IMPLEMENTER)
    revoke = client.patch("/v1/entries/E-PEER", json={"status": "revoked", "reason": "错录"}, headers=ADMIN)

    for response in (dispute, repair, revoke):
        assert response.status_code == 409, response.text
        assert "440305" in response.json()["detail"], response.json()
    assert _state(client, "E-PEER")["entry"]["status"] == "active"
