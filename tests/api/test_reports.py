"""Credit reports over HTTP on both backends: issued as PDF and HTML, verified by number, masked by role."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from api.app import create_app
from graph_service.audit import MemoryAuditLog
from graph_service.config import Settings
from graph_service.domain.commitments import Commitment, CommitmentKind, CommitmentStatus
from graph_service.domain.model import RelationKind
from graph_service.store.base import GraphStore
from tests.contract.builders import make_penalty
from tests.factories import make_entry, make_org, make_person, make_relation

KEYS = {
    "k-investigator": {"role": "investigator", "name": "county-investigators"},
    "k-approval": {"role": "approval", "name": "county-approvals"},
    "k-public": {"role": "public", "name": "portal"},
}
INVESTIGATOR, APPROVAL, PUBLIC = ({"X-API-Key": k} for k in KEYS)
ORG = make_org(1)
REP = make_person(1)
AS_OF = "2026-06-30"


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    store.upsert_organizations([ORG])
    store.upsert_persons([REP])
    store.upsert_relations(
        [make_relation(RelationKind.LEGAL_REPRESENTATIVE, REP.key, ORG.uscc, dt.date(2020, 1, 1))]
    )
    store.upsert_entries(
        [
            make_entry(
                "E-R-1",
                ORG.uscc,
                responsible_person_ids=(REP.key,),
                basis="税罚〔2024〕1号",
                behaviour_code="SL-MARKET-TAX",
            )
        ]
    )
    store.upsert_penalties([make_penalty("安市监处罚〔2025〕12号", ORG)])
    store.save_commitment(
        Commitment(
            commitment_id="CM-R-1",
            subject_id=ORG.uscc,
            kind=CommitmentKind.GENERAL,
            status=CommitmentStatus.IN_FORCE,
            text="依法诚信经营，接受社会监督",
            department="县发改局",
            signed_on=dt.date(2025, 1, 5),
        )
    )
    audit = MemoryAuditLog()
    with TestClient(
        create_app(settings=Settings(api_keys=KEYS, data_dir=tmp_path), store=store, audit_log=audit)
    ) as c:
        c.app_audit = audit
        yield c
    audit.close()


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_pdf_report_shows_lists_penalties_commitments_measures_and_persons(client: TestClient) -> None:
    r = client.get(
        f"/v1/subjects/{ORG.uscc}/report", params={"as_of": AS_OF, "format": "pdf"}, headers=INVESTIGATOR
    )
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"] == "application/pdf"
    text = _pdf_text(r.content)
    for expected in (
        "信用报告",
        r.headers["x-report-no"],
        ORG.name,
        "失信黑名单",
        "SL-MARKET-TAX",
        "安市监处罚〔2025〕12号",
        "依法诚信经营",
        "市场和行业禁入",
        "法定代表人",
        REP.key,  # the investigator sees the full ID number
    ):
        assert expected in text, (expected, text[:2000])


def test_a_report_number_verifies_with_its_data_version_and_digest(client: TestClient) -> None:
    r = client.get(f"/v1/subjects/{ORG.uscc}/report", params={"as_of": AS_OF}, headers=APPROVAL)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    number, digest = r.headers["x-report-no"], r.headers["x-report-digest"]
    assert number in r.text and ORG.name in r.text
    v = client.get(f"/v1/reports/{number}", params={"digest": digest}, headers=PUBLIC)
    assert v.status_code == 200, v.json()
    body = v.json()
    assert body["digest_matches"] is True, body
    record = body["record"]
    assert record["subject_id"] == ORG.uscc and record["as_of"] == AS_OF, record
    assert (
        record["data_version"] == int(r.headers["x-data-version"])
        and record["issued_by"] == "county-approvals"
    )
    assert (
        client.get(f"/v1/reports/{number}", params={"digest": "0" * 64}, headers=PUBLIC).json()[
            "digest_matches"
        ]
        is False
    )
    assert client.get("/v1/reports/CR-20260101-NOPE", headers=PUBLIC).status_code == 404


def test_a_masked_role_gets_a_pdf_without_the_full_id_number(client: TestClient) -> None:
    r = client.get(
        f"/v1/subjects/{ORG.uscc}/report", params={"as_of": AS_OF, "format": "pdf"}, headers=APPROVAL
    )
    assert r.status_code == 200, r.text[:500]
    text = _pdf_text(r.content)
    assert "法定代表人" in text and REP.name in text, text[:2000]
    assert REP.key not in text, text[:2000]
    assert f"{REP.key[:6]}********{REP.key[-4:]}" in text, text[:2000]


def test_issuing_a_report_is_audited_with_its_number(client: TestClient) -> None:
    r = client.get(f"/v1/subjects/{ORG.uscc}/report", params={"as_of": AS_OF}, headers=APPROVAL)
    assert r.status_code == 200, r.text[:500]
    events = [e for e in client.app_audit.query(limit=100) if e.action == "report.issue"]
    assert [e.detail["report_no"] for e in events] == [r.headers["x-report-no"]], events
    assert events[0].entry_ids == ["E-R-1"], events


def test_the_public_role_may_not_issue_a_report(client: TestClient) -> None:
    r = client.get(f"/v1/subjects/{ORG.uscc}/report", headers=PUBLIC)
    assert r.status_code == 403, r.text


def test_a_persons_report_for_a_masked_role_hides_the_number_but_the_audit_keeps_whom(
    client: TestClient,
) -> None:
    r = client.get(
        f"/v1/subjects/{REP.key}/report", params={"as_of": AS_OF, "format": "pdf"}, headers=APPROVAL
    )
    assert r.status_code == 200, r.text[:500]
    text = _pdf_text(r.content)
    assert REP.name in text and ORG.name in text, text[:2000]  # the person's role in ORG
    assert REP.key not in text and REP.key not in str(r.headers), text[:2000]
    record = client.get(f"/v1/reports/{r.headers['x-report-no']}", headers=PUBLIC).json()["record"]
    assert record["subject_id"] == f"{REP.key[:6]}********{REP.key[-4:]}", record
    [event] = [e for e in client.app_audit.query(limit=100) if e.action == "report.issue"]
    assert event.subject_id == REP.key, event
