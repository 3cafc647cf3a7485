"""经营异常名录 (abnormal operations, market regulation): a list kind checks report, on both backends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph_service.audit import MemoryAuditLog
from graph_service.config import Settings
from graph_service.domain.model import RelationKind
from graph_service.store.base import GraphStore
from tests.factories import make_org, make_person, make_relation

MARKET = "测试县市场监督管理局"
KEYS = {
    "k-market": {"role": "initiator", "name": MARKET},
    "k-approval": {"role": "approval", "name": "county-approvals"},
    "k-public": {"role": "public", "name": "portal"},
}
INITIATOR, APPROVAL, PUBLIC = ({"X-API-Key": k} for k in KEYS)
APPLICANT = make_org(1)
SISTER = make_org(2)  # same legal representative: a related party of APPLICANT
REP = make_person(1)
AS_OF = "2026-06-01"


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    store.upsert_organizations([APPLICANT, SISTER])
    store.upsert_persons([REP])
    store.upsert_relations(
        [
            make_relation(RelationKind.LEGAL_REPRESENTATIVE, REP.key, org.uscc, dt.date(2020, 1, 1))
            for org in (APPLICANT, SISTER)
        ]
    )
    audit = MemoryAuditLog()
    settings = Settings(api_keys=KEYS, data_dir=tmp_path)
    with TestClient(create_app(settings=settings, store=store, audit_log=audit)) as c:
        r = c.post("/v1/entries", json=_abnormal("A-1", SISTER.uscc), headers=INITIATOR)
        assert r.status_code == 201, r.json()
        yield c
    audit.close()


def _abnormal(entry_id: str, subject_id: str) -> dict[str, Any]:
    return {
        "entry_id": entry_id,
        "subject_id": subject_id,
        "list": "abnormal",
        "domain": "other",
        "reason": "未按规定期限公示年度报告",
        "decided_on": "2026-05-01",
        "initiating_dept": MARKET,
        "basis": "测市监异〔2026〕8号",
    }


def _check(client: TestClient, subject_id: str) -> dict[str, Any]:
    r = client.post(
        "/v1/checks", json={"subject_id": subject_id, "scenario": "bidding", "as_of": AS_OF}, headers=APPROVAL
    )
    assert r.status_code == 200, r.json()
    body: dict[str, Any] = r.json()
    return body


def test_a_related_party_on_the_abnormal_list_is_a_hit_of_the_check(client: TestClient) -> None:
    check = _check(client, APPLICANT.uscc)
    [hit] = check["hits"]
    assert hit["subject_id"] == SISTER.uscc and hit["hops"] == 2, hit
    assert [(e["entry_id"], e["list"], e["initiating_dept"]) for e in hit["entries"]] == [
        ("A-1", "abnormal", MARKET)
    ], hit
    assert check["verdict"] == "review", check


def test_the_listed_enterprise_itself_is_reviewed_with_the_catalog_measure(client: TestClient) -> None:
    check = _check(client, SISTER.uscc)
    assert check["verdict"] == "review", check
    assert [(m["measure"], m["entry_id"]) for m in check["measures"]] == [
        ("abnormal_operations_review", "A-1")
    ], check


def test_the_abnormal_list_is_published_on_the_public_query(client: TestClient) -> None:
    r = client.get("/v1/public/entries", params={"list": "abnormal"}, headers=PUBLIC)
    assert r.status_code == 200, r.json()
    assert [e["entry_id"] for e in r.json()["entries"]] == ["A-1"], r.json()
