"""Scenarios for trustworthy individuals and for inspection frequency: a test per measure, both backends.

安化县 二(二)3 and 武汉市 (三): 诚信个人 get priority in education, employment, social security and household
registration; 安化县 二(二)4: fewer inspections for 诚信示范企业 (red), and 重点监管对象 (black) more.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph_service.audit import MemoryAuditLog
from graph_service.config import Settings
from graph_service.domain.model import CreditDomain, ListKind
from graph_service.store.base import GraphStore
from tests.factories import make_entry, make_org, make_person

KEYS = {"k-approval": {"role": "approval", "name": "county-approvals"}}
APPROVAL = {"X-API-Key": "k-approval"}
MODEL_ORG = make_org(1)  # 诚信示范企业: red
LISTED_ORG = make_org(2)  # black
VOLUNTEER = make_person(1)  # 诚信个人: red
AS_OF = "2026-06-01"


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    store.upsert_organizations([MODEL_ORG, LISTED_ORG])
    store.upsert_persons([VOLUNTEER])
    red = {"list": ListKind.RED, "domain": CreditDomain.OTHER, "reason": "优秀青年志愿者"}
    store.upsert_entries(
        [
            make_entry("R-ORG", MODEL_ORG.uscc, **red),
            make_entry("R-PERSON", VOLUNTEER.key, **red),
            make_entry("B-ORG", LISTED_ORG.uscc),
        ]
    )
    audit = MemoryAuditLog()
    with TestClient(
        create_app(settings=Settings(api_keys=KEYS, data_dir=tmp_path), store=store, audit_log=audit)
    ) as c:
        yield c
    audit.close()


def _check(client: TestClient, subject_id: str, scenario: str) -> dict[str, Any]:
    r = client.post(
        "/v1/checks", json={"subject_id": subject_id, "scenario": scenario, "as_of": AS_OF}, headers=APPROVAL
    )
    assert r.status_code == 200, r.json()
    body: dict[str, Any] = r.json()
    return body


@pytest.mark.parametrize("scenario", ["education", "employment", "social_security", "household_registration"])
def test_a_trustworthy_individual_gets_priority_support(client: TestClient, scenario: str) -> None:
    check = _check(client, VOLUNTEER.key, scenario)
    assert check["verdict"] == "pass", check
    assert [(m["measure"], m["entry_id"]) for m in check["measures"]] == [
        ("trustworthy_individual_support", "R-PERSON")
    ], check


def test_a_red_enterprise_is_inspected_less_often(client: TestClient) -> None:
    check = _check(client, MODEL_ORG.uscc, "inspection")
    assert check["verdict"] == "pass", check
    assert [m["measure"] for m in check["measures"]] == ["fewer_inspections"], check


def test_a_black_enterprise_is_inspected_more_often(client: TestClient) -> None:
    check = _check(client, LISTED_ORG.uscc, "inspection")
    assert check["verdict"] == "review", check
    assert [(m["measure"], m["mandatory"]) for m in check["measures"]] == [
        ("intensified_inspection", False)
    ], check


def test_the_new_scenarios_are_not_governed_by_approval_punishments(client: TestClient) -> None:
    check = _check(client, LISTED_ORG.uscc, "education")
    assert check["verdict"] == "pass" and check["measures"] == [], check
