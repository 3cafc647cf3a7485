"""Administrative penalties (双公示) count: in the profile, in the public query and in the green channel.

"连续三年无不良信用记录" (安化县实施意见) is read as no black/watch entry and no penalty decided in the
three years before the check date; 行政处罚 is published (云浮市 (十九)).
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
from graph_service.store.base import GraphStore
from tests.factories import make_org
from tests.unit.loader_support import run_load, write

KEYS = {
    "k-investigator": {"role": "investigator", "name": "inspector"},
    "k-public": {"role": "public", "name": "portal"},
}
INVESTIGATOR, PUBLIC = ({"X-API-Key": k} for k in KEYS)
AS_OF = "2026-11-23"
ESTABLISHED = dt.date(2010, 1, 1)
RECENT = make_org(1, established_on=ESTABLISHED)  # penalised 2024-11-23: two years before the check
OLD = make_org(2, established_on=ESTABLISHED)  # penalised 2022-11-23: four years before
CLEAN = make_org(3, established_on=ESTABLISHED)
HEADER = (
    "行政相对人名称,行政相对人代码_1(统一社会信用代码),行政处罚决定书文号,违法行为类型,处罚类别,"
    "罚款金额(万元),处罚决定日期,公示截止期,处罚机关\n"
)


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    store.upsert_organizations([RECENT, OLD, CLEAN])
    rows = (
        f"{RECENT.name},{RECENT.uscc},安市监处罚〔2024〕88号,未按规定公示年度报告,罚款,0.5,2024-11-23,,"
        "安化县市场监督管理局\n"
        f"{OLD.name},{OLD.uscc},安市监处罚〔2022〕12号,无照经营,罚款,1,2022-11-23,2025-11-22,"
        "安化县市场监督管理局\n"
    )
    source = write(tmp_path / "penalties", "行政处罚.csv", HEADER + rows)
    loaded = run_load(store, source.parent, tmp_path, fmt="penalty")
    assert loaded.rejects == [], loaded.rejects
    audit = MemoryAuditLog()
    app = create_app(settings=Settings(api_keys=KEYS, data_dir=tmp_path), store=store, audit_log=audit)
    app.dependency_overrides[now] = lambda: dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    with TestClient(app) as c:
        yield c
    audit.close()


def check(client: TestClient, subject_id: str) -> dict[str, Any]:
    body = {"subject_id": subject_id, "scenario": "administrative_license", "as_of": AS_OF, "depth": 1}
    response = client.post("/v1/checks", json=body, headers=INVESTIGATOR)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_firm_penalised_two_years_ago_has_no_green_channel(client: TestClient) -> None:
    result = check(client, RECENT.uscc)
    assert result["verdict"] == "pass" and result["green_channel"] is False, result


def test_a_firm_penalised_four_years_ago_has_the_green_channel(client: TestClient) -> None:
    result = check(client, OLD.uscc)
    assert result["verdict"] == "pass" and result["green_channel"] is True, result
    assert check(client, CLEAN.uscc)["green_channel"] is True


def test_the_profile_lists_the_loaded_penalties_decided_by_its_date(client: TestClient) -> None:
    r = client.get(f"/v1/subjects/{RECENT.uscc}", params={"as_of": AS_OF}, headers=INVESTIGATOR)
    assert r.status_code == 200, r.json()
    assert [(p["decision_number"], p["decided_on"]) for p in r.json()["penalties"]] == [
        ("安市监处罚〔2024〕88号", "2024-11-23")
    ], r.json()
    before = client.get(f"/v1/subjects/{RECENT.uscc}", params={"as_of": "2024-11-22"}, headers=INVESTIGATOR)
    assert before.json()["penalties"] == [], before.json()


def test_the_public_query_shows_a_penalty_while_it_is_published(client: TestClient) -> None:
    shown = client.get(f"/v1/public/subjects/{RECENT.uscc}", headers=PUBLIC)
    assert shown.status_code == 200, shown.json()
    [penalty] = shown.json()["penalties"]
    assert penalty["decision_number"] == "安市监处罚〔2024〕88号", penalty
    assert penalty["authority"] == "安化县市场监督管理局", penalty
    assert penalty["penalty_categories"] == ["罚款"] and penalty["fine_amount"] == 0.5, penalty
    past_publication = client.get(f"/v1/public/subjects/{OLD.uscc}", headers=PUBLIC)
    assert past_publication.json()["penalties"] == [], "公示截止期 2025-11-22 has passed"
