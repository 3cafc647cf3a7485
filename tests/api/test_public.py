"""The public query (一站式查询) on both backends: only effective red and black entries, persons masked.

Nothing on a watch list, disputed, repaired, revoked, expired or not yet valid is published; pages follow
a cursor; callers without a key are served only when ``public_anonymous`` is set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph_service.domain.identifiers import mask_id_number
from graph_service.domain.model import CreditDomain, EntryStatus, ListKind
from graph_service.store.base import GraphStore
from tests.api.workflow_support import (
    ADMIN,
    APPROVAL,
    IMPLEMENTER,
    INITIATOR,
    PUBLIC,
    Workflow,
    open_workflow,
)
from tests.factories import make_entry, make_org, make_person

DAY = dt.date(2026, 11, 23)
ORGS = [make_org(n) for n in range(1, 7)]
DEBTOR = make_person(7)  # a person on the court's list of dishonest debtors
CLEAN = make_person(8)  # a person with only a watch-list entry
PUBLISHED = ["E-B1", "E-P1", "E-R1"]


def _seed(store: GraphStore) -> None:
    store.upsert_organizations(ORGS[1:])  # ORGS[0] is seeded by open_workflow
    store.upsert_persons([DEBTOR, CLEAN])
    court = {
        "domain": CreditDomain.COURT_ENFORCEMENT,
        "initiating_dept": "测试县人民法院",
        "basis": "(2026)湘0923执1号",
    }
    store.upsert_entries(
        [
            make_entry("E-B1", ORGS[0].uscc, basis="测税罚〔2026〕1号"),
            make_entry("E-R1", ORGS[1].uscc, list=ListKind.RED, reason="A级纳税人"),
            make_entry("E-W1", ORGS[2].uscc, list=ListKind.WATCH),
            make_entry("E-D1", ORGS[2].uscc, status=EntryStatus.DISPUTED),
            make_entry("E-REP", ORGS[3].uscc, status=EntryStatus.REPAIRED),
            make_entry("E-REV", ORGS[3].uscc, status=EntryStatus.REVOKED),
            make_entry("E-EXP", ORGS[4].uscc, valid_until=dt.date(2026, 11, 22)),
            make_entry("E-FUT", ORGS[5].uscc, decided_on=dt.date(2026, 11, 24)),
            make_entry("E-P1", DEBTOR.key, reason=f"拒不履行 {DEBTOR.key}", **court),
            make_entry("E-W2", CLEAN.key, list=ListKind.WATCH, **court),
        ]
    )


@pytest.fixture
def wf(store: GraphStore, tmp_path: Path) -> Iterator[Workflow]:
    with open_workflow(store, tmp_path, DAY) as opened:
        _seed(store)
        yield opened


def _page(wf: Workflow, headers: dict[str, str] = PUBLIC, **params: Any) -> dict[str, Any]:
    r = wf.client.get("/v1/public/entries", params=params, headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_the_public_list_holds_only_effective_red_and_black_entries(wf: Workflow) -> None:
    page = _page(wf)
    assert [e["entry_id"] for e in page["entries"]] == PUBLISHED, page
    assert page["next_cursor"] is None
    first = page["entries"][0]
    assert first == {
        "entry_id": "E-B1",
        "subject_id": ORGS[0].uscc,
        "subject_name": ORGS[0].name,
        "subject_kind": "organization",
        "list": "black",
        "domain": "tax",
        "reason": "逾期未申报缴纳税款",
        "basis": "测税罚〔2026〕1号",
        "initiating_dept": "国家税务总局测试县税务局",
        "decided_on": "2024-01-10",
        "valid_from": "2024-01-10",
        "valid_until": None,
    }


@pytest.mark.parametrize("headers", [PUBLIC, ADMIN], ids=["public", "admin"])
def test_a_person_is_published_with_the_id_number_masked_for_every_caller(
    wf: Workflow, headers: dict[str, str]
) -> None:
    r = wf.client.get("/v1/public/entries", headers=headers)
    person = [e for e in r.json()["entries"] if e["entry_id"] == "E-P1"]
    assert [(p["subject_id"], p["subject_name"], p["subject_kind"]) for p in person] == [
        (mask_id_number(DEBTOR.key), DEBTOR.name, "person")
    ]
    assert DEBTOR.key not in r.text, "no full ID number, not even inside a reason"


def test_pages_follow_the_cursor_to_the_last_one(wf: Workflow) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        page = _page(wf, limit=1, **({"cursor": cursor} if cursor else {}))
        seen += [e["entry_id"] for e in page["entries"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == PUBLISHED
    assert _page(wf, limit=2)["next_cursor"] == "E-P1"


def test_the_list_can_be_narrowed_to_red_and_a_watch_list_is_never_public(wf: Workflow) -> None:
    assert [e["entry_id"] for e in _page(wf, list="red")["entries"]] == ["E-R1"]
    assert _page(wf, list="watch")["entries"] == []


def test_every_role_may_query_but_a_caller_without_a_key_needs_the_anonymous_setting(
    wf: Workflow, store: GraphStore, tmp_path: Path
) -> None:
    for headers in (APPROVAL, INITIATOR, IMPLEMENTER):
        assert [e["entry_id"] for e in _page(wf, headers)["entries"]] == PUBLISHED
    refused = wf.client.get("/v1/public/entries")
    assert refused.status_code == 401, refused.text
    with open_workflow(store, tmp_path, DAY, public_anonymous=True) as anonymous:
        r = anonymous.client.get("/v1/public/entries")
        assert r.status_code == 200, r.text
        assert [e["entry_id"] for e in r.json()["entries"]] == PUBLISHED
        assert anonymous.client.get(f"/v1/public/subjects/{ORGS[0].uscc}").status_code == 200


def test_a_subject_page_shows_only_its_published_entries(wf: Workflow) -> None:
    listed = wf.client.get(f"/v1/public/subjects/{ORGS[0].uscc.lower()}", headers=PUBLIC)
    assert listed.status_code == 200, listed.text
    assert (listed.json()["name"], [e["entry_id"] for e in listed.json()["entries"]]) == (
        ORGS[0].name,
        ["E-B1"],
    )
    clean = wf.client.get(f"/v1/public/subjects/{ORGS[2].uscc}", headers=PUBLIC)
    assert (clean.status_code, clean.json()["entries"]) == (200, []), "watch and disputed are not published"
    person = wf.client.get(f"/v1/public/subjects/{DEBTOR.key}", headers=PUBLIC)
    assert person.status_code == 200, person.text
    assert person.json()["subject_id"] == mask_id_number(DEBTOR.key) and DEBTOR.key not in person.text


@pytest.mark.parametrize("subject", [CLEAN.key, make_person(99).key, "91430923MA4L2B3C1J"])
def test_a_person_with_nothing_published_or_an_unknown_subject_is_not_found(
    wf: Workflow, subject: str
) -> None:
    r = wf.client.get(f"/v1/public/subjects/{subject}", headers=PUBLIC)
    assert r.status_code == 404, r.text
    assert subject not in r.text or not subject[:17].isdigit(), "a person's number is not echoed in full"


def test_a_dispute_and_a_repair_take_an_entry_off_the_public_list_at_once(wf: Workflow) -> None:
    wf.create("E-9", subject_id=ORGS[5].uscc)
    assert "E-9" in [e["entry_id"] for e in _page(wf)["entries"]]
    dispute_id = wf.dispute("E-9")
    assert "E-9" not in [e["entry_id"] for e in _page(wf)["entries"]]
    resolve = {"outcome": "upheld", "reason": "核实无误"}
    r = wf.client.post(f"/v1/entries/E-9/disputes/{dispute_id}/resolve", json=resolve, headers=INITIATOR)
    assert r.status_code == 200, r.text
    assert "E-9" in [e["entry_id"] for e in _page(wf)["entries"]]
    repair_id = wf.client.post(
        "/v1/entries/E-9/repair", json={"evidence": "已整改"}, headers=IMPLEMENTER
    ).json()["repair_id"]
    decided = wf.client.post(
        f"/v1/repairs/{repair_id}/decide", json={"approve": True, "reason": "整改到位"}, headers=INITIATOR
    )
    assert decided.status_code == 200, decided.text
    assert "E-9" not in [e["entry_id"] for e in _page(wf)["entries"]]
    subject = wf.client.get(f"/v1/public/subjects/{ORGS[5].uscc}", headers=PUBLIC).json()
    assert subject["entries"] == [], subject
