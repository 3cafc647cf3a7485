"""The related-party check API on both backends: verdicts, propagation, suspension, masking."""

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
from graph_service.domain.model import CreditDomain, EntryStatus, ListKind, RelationKind
from graph_service.services.workflow.links import refresh_links
from graph_service.store.base import GraphStore
from graph_service.store.workflow_port import EntryStep
from tests.factories import make_entry, make_org, make_person, make_relation

KEYS = {
    "k-approval": {"role": "approval", "name": "county-approvals"},
    "k-investigator": {"role": "investigator", "name": "inspector"},
    "k-public": {"role": "public", "name": "portal"},
}
APPROVAL, INVESTIGATOR, PUBLIC = ({"X-API-Key": k} for k in KEYS)
AS_OF = "2026-11-23"

APPLICANT = make_org(1, established_on=dt.date(2015, 1, 1))  # clean, old: green channel
LISTED = make_org(2)  # black tax entry, act 2023-11-01
SUCCESSOR_ORG = make_org(3)  # black court entry: act-date rules
DISPUTED_ORG = make_org(4)
FAR = make_org(5)  # three hops from the applicant
OTHER_COUNTY = make_org(6, region="445302")  # 云浮 云城区, black
YOUNG = make_org(7, established_on=dt.date(2025, 6, 1))
RED = make_org(8, established_on=dt.date(2025, 6, 1))
EXPIRED_ORG = make_org(9)
REP = make_person(1)  # legal rep of APPLICANT and of LISTED (at the act date)
NEW_REP = make_person(2)  # appointed after the act of SUCCESSOR_ORG
OLD_REP = make_person(3)  # left SUCCESSOR_ORG after the act
CONTROLLER = make_person(4)
PRACTITIONER = make_person(5)
BRIDGE = make_person(6)


def _seed(store: GraphStore) -> None:
    store.upsert_organizations(
        [APPLICANT, LISTED, SUCCESSOR_ORG, DISPUTED_ORG, FAR, OTHER_COUNTY, YOUNG, RED, EXPIRED_ORG]
    )
    store.upsert_persons([REP, NEW_REP, OLD_REP, CONTROLLER, PRACTITIONER, BRIDGE])
    lr = RelationKind.LEGAL_REPRESENTATIVE
    store.upsert_relations(
        [
            make_relation(lr, REP.key, APPLICANT.uscc, dt.date(2016, 1, 1)),
            make_relation(lr, REP.key, LISTED.uscc, dt.date(2020, 1, 1)),
            make_relation(RelationKind.PRACTITIONER, PRACTITIONER.key, LISTED.uscc, dt.date(2020, 1, 1)),
            make_relation(
                lr, OLD_REP.key, SUCCESSOR_ORG.uscc, dt.date(2018, 1, 1), end_on=dt.date(2023, 9, 1)
            ),
            make_relation(lr, NEW_REP.key, SUCCESSOR_ORG.uscc, dt.date(2023, 9, 1)),
            make_relation(
                RelationKind.ACTUAL_CONTROLLER, CONTROLLER.key, SUCCESSOR_ORG.uscc, dt.date(2018, 1, 1)
            ),
            make_relation(
                RelationKind.SHAREHOLDER, DISPUTED_ORG.uscc, APPLICANT.uscc, dt.date(2016, 1, 1), ratio=0.3
            ),
            make_relation(
                RelationKind.SHAREHOLDER, OTHER_COUNTY.uscc, APPLICANT.uscc, dt.date(2016, 1, 1), ratio=0.2
            ),
            # FAR is three hops away: APPLICANT <- DISPUTED_ORG <- BRIDGE -> FAR
            make_relation(RelationKind.DIRECTOR, BRIDGE.key, DISPUTED_ORG.uscc, dt.date(2016, 1, 1)),
            make_relation(RelationKind.DIRECTOR, BRIDGE.key, FAR.uscc, dt.date(2016, 1, 1)),
            make_relation(
                RelationKind.SHAREHOLDER, EXPIRED_ORG.uscc, YOUNG.uscc, dt.date(2016, 1, 1), ratio=0.5
            ),
        ]
    )
    entries = [
        make_entry(
            "E-LISTED", LISTED.uscc, act_on=dt.date(2023, 11, 1), responsible_person_ids=(PRACTITIONER.key,)
        ),
        make_entry(
            "E-COURT",
            SUCCESSOR_ORG.uscc,
            domain=CreditDomain.COURT_ENFORCEMENT,
            act_on=dt.date(2023, 6, 1),
            decided_on=dt.date(2023, 12, 1),
        ),
        make_entry("E-DISPUTED", DISPUTED_ORG.uscc, status=EntryStatus.DISPUTED),
        make_entry("E-FAR", FAR.uscc, list=ListKind.WATCH),
        make_entry("E-YUNFU", OTHER_COUNTY.uscc, source_region="445302"),
        make_entry("E-RED", RED.uscc, list=ListKind.RED),
        make_entry("E-EXPIRED", EXPIRED_ORG.uscc, valid_until=dt.date(2025, 1, 9)),
    ]
    store.upsert_entries(entries)
    refresh_links(store, [e.entry_id for e in entries], [])


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    _seed(store)
    audit = MemoryAuditLog()
    app = create_app(settings=Settings(api_keys=KEYS, data_dir=tmp_path), store=store, audit_log=audit)
    with TestClient(app, raise_server_exceptions=False) as c:
        c.app_audit = audit
        yield c
    audit.close()


def check(
    client: TestClient, subject_id: str, scenario: str, headers: dict[str, str] = INVESTIGATOR, **kw: Any
) -> dict[str, Any]:
    body = {"subject_id": subject_id, "scenario": scenario, "as_of": AS_OF, **kw}
    response = client.post("/v1/checks", json=body, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_listed_enterprise_is_blocked_from_bidding_by_mandatory_measures(client: TestClient) -> None:
    r = check(client, LISTED.uscc, "bidding")
    assert r["verdict"] == "block", r
    assert {m["measure"] for m in r["measures"]} == {"market_ban", "restrict_public_resources"}, r["measures"]
    assert all(m["via"] == "self" and m["entry_id"] == "E-LISTED" for m in r["measures"])


def test_legal_representative_at_the_act_date_is_blocked_personally(client: TestClient) -> None:
    r = check(client, REP.key, "administrative_license")
    assert r["verdict"] == "block", r
    assert [(m["measure"], m["via"], m["org_id"]) for m in r["measures"]] == [
        ("market_ban", "legal_representative", LISTED.uscc)
    ], r["measures"]


def test_former_legal_rep_who_left_after_the_act_is_still_reached(client: TestClient) -> None:
    r = check(client, OLD_REP.key, "high_consumption")
    assert r["verdict"] == "block", r
    assert {m["measure"] for m in r["measures"]} == {"restrict_high_consumption"}


def test_legal_rep_appointed_after_the_act_is_not_sanctioned(client: TestClient) -> None:
    r = check(client, NEW_REP.key, "high_consumption", depth=1)
    assert r["measures"] == [], r["measures"]
    assert r["verdict"] == "review", r  # the listed company is a related party one hop away
    assert [h["subject_id"] for h in r["hits"]] == [SUCCESSOR_ORG.uscc]


def test_actual_controller_is_reached_by_the_court_high_consumption_ban_only(client: TestClient) -> None:
    assert check(client, CONTROLLER.key, "high_consumption")["verdict"] == "block"
    r = check(client, CONTROLLER.key, "bidding", depth=1)
    assert r["measures"] == [] and r["verdict"] == "review", r


def test_practitioner_with_direct_responsibility_is_banned_from_the_market(client: TestClient) -> None:
    r = check(client, PRACTITIONER.key, "bidding", depth=1)
    assert r["verdict"] == "block", r
    assert [(m["measure"], m["via"]) for m in r["measures"]] == [("market_ban", "practitioner")]


def test_clean_applicant_related_to_a_listed_company_gets_review_with_the_path(client: TestClient) -> None:
    r = check(client, APPLICANT.uscc, "bidding")
    assert r["verdict"] == "review", r
    hits = {h["subject_id"]: h for h in r["hits"]}
    assert LISTED.uscc in hits and REP.key in hits, sorted(hits)
    listed = hits[LISTED.uscc]
    assert listed["hops"] == 2
    assert [e.get("id") or e.get("role") for e in listed["path"]] == [
        APPLICANT.uscc,
        "legal_representative",
        REP.key,
        "legal_representative",
        LISTED.uscc,
    ], listed["path"]
    assert [m["measure"] for m in hits[REP.key]["measures"]] == ["market_ban", "revoke_honors"]


def test_disputed_entry_is_reported_as_suspended_and_never_enforced(client: TestClient) -> None:
    own = check(client, DISPUTED_ORG.uscc, "bidding", depth=1)
    assert own["verdict"] != "block" and own["measures"] == [], own
    assert [s["entry_id"] for s in own["suspended"]] == ["E-DISPUTED"]
    related = check(client, APPLICANT.uscc, "bidding")
    assert DISPUTED_ORG.uscc not in {h["subject_id"] for h in related["hits"]}
    assert "E-DISPUTED" in {s["entry_id"] for s in related["suspended"]}


def test_expired_entry_is_gone_from_checks(client: TestClient) -> None:
    r = check(client, EXPIRED_ORG.uscc, "bidding")
    assert r["verdict"] == "pass" and r["measures"] == [], r
    before = check(client, EXPIRED_ORG.uscc, "bidding", as_of="2025-01-09")
    assert before["verdict"] == "block", before


def test_repaired_entry_is_gone_from_checks(client: TestClient, store: GraphStore) -> None:
    from graph_service.domain.model import StatusChange

    entry = store.get_entries(["E-LISTED"])["E-LISTED"]
    repaired = entry.model_copy(update={"status": EntryStatus.REPAIRED, "version": entry.version + 1})
    store.write_step(
        EntryStep(
            repaired,
            StatusChange(
                entry_id="E-LISTED",
                from_status=EntryStatus.ACTIVE,
                to_status=EntryStatus.REPAIRED,
                at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
                actor="税务局",
                reason="信用修复",
            ),
        )
    )
    assert check(client, LISTED.uscc, "bidding")["verdict"] == "pass"
    assert check(client, REP.key, "bidding", depth=1)["measures"] == []


def test_depth_bounds_the_hits(client: TestClient) -> None:
    assert FAR.uscc not in {
        h["subject_id"] for h in check(client, APPLICANT.uscc, "bidding", depth=2)["hits"]
    }
    deep = check(client, APPLICANT.uscc, "bidding", depth=3)
    far = [h for h in deep["hits"] if h["subject_id"] == FAR.uscc]
    assert far and far[0]["hops"] == 3 and far[0]["entries"][0]["list"] == "watch", deep["hits"]


def test_hit_in_another_county_is_flagged_cross_region_with_its_origin(client: TestClient) -> None:
    hits = {h["subject_id"]: h for h in check(client, APPLICANT.uscc, "bidding")["hits"]}
    assert hits[OTHER_COUNTY.uscc]["cross_region"] is True
    assert hits[OTHER_COUNTY.uscc]["entries"][0]["source_region"] == "445302"
    assert hits[LISTED.uscc]["cross_region"] is False


def test_watch_list_alone_gives_review(client: TestClient) -> None:
    assert check(client, FAR.uscc, "honors", depth=1)["verdict"] == "review"


def test_green_channel_for_red_list_and_for_three_clean_years(client: TestClient) -> None:
    red = check(client, RED.uscc, "administrative_license", depth=1)
    assert red["verdict"] == "pass" and red["green_channel"] is True, red
    young = check(client, YOUNG.uscc, "administrative_license", depth=1)
    assert young["green_channel"] is False, young
    listed = check(client, LISTED.uscc, "administrative_license", depth=1)
    assert listed["green_channel"] is False


def test_unknown_subject_passes_with_known_false_and_a_note(client: TestClient) -> None:
    r = check(client, make_org(999).uscc, "bidding")
    assert r["subject"]["known"] is False and r["verdict"] == "pass" and r["note"], r


def test_unknown_scenario_is_422_listing_the_valid_ones(client: TestClient) -> None:
    response = client.post(
        "/v1/checks", json={"subject_id": LISTED.uscc, "scenario": "parking"}, headers=APPROVAL
    )
    assert response.status_code == 422, response.text
    assert "bidding" in response.json()["detail"] and "parking" in response.json()["detail"]


def test_id_numbers_are_masked_for_approval_systems_and_shown_to_investigators(client: TestClient) -> None:
    masked = client.post(
        "/v1/checks",
        json={"subject_id": APPLICANT.uscc, "scenario": "bidding", "as_of": AS_OF},
        headers=APPROVAL,
    )
    assert masked.status_code == 200, masked.text
    assert REP.key not in masked.text
    assert REP.key[:6] + "********" + REP.key[14:] in masked.text
    full = client.post(
        "/v1/checks",
        json={"subject_id": APPLICANT.uscc, "scenario": "bidding", "as_of": AS_OF},
        headers=INVESTIGATOR,
    )
    assert REP.key in full.text


def test_checks_need_a_key_and_a_role_that_may_check(client: TestClient) -> None:
    body = {"subject_id": LISTED.uscc, "scenario": "bidding"}
    assert client.post("/v1/checks", json=body).status_code == 401
    forbidden = client.post("/v1/checks", json=body, headers=PUBLIC)
    assert forbidden.status_code == 403, forbidden.text


def test_batch_answers_in_request_order(client: TestClient) -> None:
    items = [
        {"subject_id": s, "scenario": "bidding", "as_of": AS_OF, "depth": 1}
        for s in (RED.uscc, LISTED.uscc, make_org(999).uscc, REP.key)
    ]
    response = client.post("/v1/checks/batch", json={"items": items}, headers=APPROVAL)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["subject"]["id"][:6] for r in results] == [str(i["subject_id"])[:6] for i in items]
    assert [r["verdict"] for r in results] == ["pass", "block", "pass", "block"]


def test_every_check_is_audited_with_the_entries_and_data_version(client: TestClient) -> None:
    r = check(client, LISTED.uscc, "bidding", headers=APPROVAL)
    audit: MemoryAuditLog = client.app_audit
    audit.flush()
    records = audit.query(action="check", limit=10)
    assert records and records[-1].subject_id == LISTED.uscc and records[-1].verdict == "block", records
    assert records[-1].entry_ids == ["E-LISTED"] and records[-1].data_version == r["data_version"]
    assert records[-1].client == "county-approvals"


def test_subject_profile_shows_personal_credit_records_and_why(client: TestClient) -> None:
    response = client.get(f"/v1/subjects/{REP.key}", params={"as_of": AS_OF}, headers=INVESTIGATOR)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["entry"]["entry_id"] for r in body["personal_records"]] == ["E-LISTED"], body[
        "personal_records"
    ]
    assert {m["measure"] for m in body["measures"]} == {
        "market_ban",
        "revoke_honors",
        "personal_credit_record",
    }
    assert {r["target_id"] for r in body["relations"]} == {APPLICANT.uscc, LISTED.uscc}


def test_subject_profile_of_an_unknown_subject_is_404(client: TestClient) -> None:
    response = client.get(f"/v1/subjects/{make_org(999).uscc}", headers=INVESTIGATOR)
    assert response.status_code == 404, response.text


def test_a_person_born_elsewhere_is_not_a_cross_region_hit_for_a_local_decision(
    client: TestClient, store: GraphStore
) -> None:
    migrant = make_person(50, region="110101")  # ID issued in Beijing; works in the county
    applicant = make_org(60, established_on=dt.date(2015, 1, 1))
    store.upsert_organizations([applicant])
    store.upsert_persons([migrant])
    store.upsert_relations(
        [
            make_relation(RelationKind.LEGAL_REPRESENTATIVE, migrant.key, LISTED.uscc, dt.date(2020, 1, 1)),
            make_relation(RelationKind.DIRECTOR, migrant.key, applicant.uscc, dt.date(2020, 1, 1)),
        ]
    )
    refresh_links(store, [], [LISTED.uscc])
    hits = {h["subject_id"]: h for h in check(client, applicant.uscc, "bidding")["hits"]}
    assert hits[migrant.key]["measures"], hits[migrant.key]
    assert hits[migrant.key]["cross_region"] is False
    assert hits[LISTED.uscc]["cross_region"] is False
