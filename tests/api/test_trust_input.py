"""Input the service must not trust: typed identifiers, ids, dates, as_of and unpaired surrogates.

Run on both backends. Every refusal is 422 problem+json naming the field and the value, never a 500,
and nothing stored changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph_service.store.base import GraphStore
from tests.api.access_setups import active_entry, disputed_entry, entry_body, pending_repair, pending_task
from tests.api.security_support import HEADERS, ORG, SecApi, open_api, seed

PROBLEM = "application/problem+json"
FULL_WIDTH = str.maketrans(
    "0123456789ABCDEFGHJKLMNPQRTUWXY", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ"
)
TYPED_FORMS = {
    "hyphens": f"{ORG.uscc[:4]}-{ORG.uscc[4:8]}-{ORG.uscc[8:]}",
    "lowercase": ORG.uscc.lower(),
    "full-width": ORG.uscc.translate(FULL_WIDTH),
    "zero-width": f"{ORG.uscc[:8]}\u200b{ORG.uscc[8:]}\u200d",
    "spaces": f" {ORG.uscc[:6]} {ORG.uscc[6:]}\u3000",
}


@pytest.fixture
def api(store: GraphStore, tmp_path: Path) -> Iterator[SecApi]:
    seed(store)
    with open_api(tmp_path, store=store) as opened:
        yield opened


def _refused(response: Any, field: str) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert response.status_code == 422, body
    assert response.headers["content-type"] == PROBLEM, response.headers
    assert any(e["field"].endswith(field) for e in body["errors"]), body
    return body


@pytest.mark.parametrize("form", sorted(TYPED_FORMS))
def test_a_check_for_a_typed_form_finds_the_subject_the_public_query_finds(api: SecApi, form: str) -> None:
    typed = TYPED_FORMS[form]

    check = api.client.post(
        "/v1/checks", json={"subject_id": typed, "scenario": "bidding"}, headers=HEADERS["approval"]
    )
    public = api.client.get(f"/v1/public/subjects/{typed}", headers=HEADERS["approval"])

    assert check.status_code == 200, check.json()
    assert public.status_code == 200, public.json()
    subject = check.json()["subject"]
    assert subject["known"] is True and subject["id"] == ORG.uscc, subject
    assert public.json()["subject_id"] == subject["id"] and public.json()["name"] == subject["name"]


def test_a_batch_normalises_every_item_like_a_single_check(api: SecApi) -> None:
    items = [{"subject_id": typed, "scenario": "bidding"} for typed in TYPED_FORMS.values()]

    response = api.client.post("/v1/checks/batch", json={"items": items}, headers=HEADERS["approval"])

    assert response.status_code == 200, response.json()
    assert {r["subject"]["id"] for r in response.json()["results"]} == {ORG.uscc}, response.json()


def test_a_wrong_check_character_is_422_with_the_expected_character(api: SecApi) -> None:
    wrong = ORG.uscc[:17] + ("0" if ORG.uscc[17] != "0" else "1")
    before = len(api.audit.query(action="check", limit=1000))

    single = api.client.post(
        "/v1/checks", json={"subject_id": wrong, "scenario": "bidding"}, headers=HEADERS["approval"]
    )
    batch = api.client.post(
        "/v1/checks/batch",
        json={
            "items": [
                {"subject_id": ORG.uscc, "scenario": "bidding"},
                {"subject_id": wrong, "scenario": "bidding"},
            ]
        },
        headers=HEADERS["approval"],
    )

    body = _refused(single, "body.subject_id")
    assert f"expected {ORG.uscc[17]}" in body["errors"][0]["reason"], body
    assert body["errors"][0]["value"] == wrong, body
    body = _refused(batch, "body.items.1.subject_id")
    assert f"expected {ORG.uscc[17]}" in body["detail"], body
    assert len(api.audit.query(action="check", limit=1000)) == before, (
        "nothing was checked, so nothing was audited"
    )


@pytest.mark.parametrize("entry_id", ["a/b", "E 1", "-E1", "E%2F1", "（2024）湘0923", "E\u200b1"])
def test_an_entry_id_outside_the_safe_set_is_422_naming_it(api: SecApi, entry_id: str) -> None:
    before = api.store.data_version()

    response = api.client.post("/v1/entries", json=entry_body(entry_id), headers=HEADERS["admin"])

    body = _refused(response, "entry_id")
    assert any(e["value"] == entry_id for e in body["errors"]), body
    assert api.store.data_version() == before


def test_an_entry_id_in_chinese_is_accepted_and_can_be_revoked(api: SecApi) -> None:
    entry_id = "court:2024湘0923执8号:e8f289b6"

    created = api.client.post("/v1/entries", json=entry_body(entry_id), headers=HEADERS["admin"])
    revoked = api.client.patch(
        f"/v1/entries/{entry_id}", json={"status": "revoked", "reason": "撤销"}, headers=HEADERS["admin"]
    )

    assert created.status_code == 201, created.json()
    assert revoked.status_code == 200 and revoked.json()["entry"]["status"] == "revoked", revoked.json()


@pytest.mark.parametrize(
    ("method", "url", "field"),
    [
        ("GET", "/v1/entries/bad%20id", "entry_id"),
        ("PATCH", "/v1/entries/x%25y", "entry_id"),
        ("POST", "/v1/tasks/bad%20id/feedback", "task_id"),
        ("POST", "/v1/repairs/（1）/decide", "repair_id"),
    ],
)
def test_an_unsafe_id_in_a_url_is_422_naming_field_and_value(
    api: SecApi, method: str, url: str, field: str
) -> None:
    bodies = {
        "PATCH": {"status": "revoked", "reason": "x"},
        "POST": {"outcome": "applied", "date": "2026-11-23", "approve": True, "reason": "x"},
    }
    payload = bodies.get(method)
    if "feedback" in url:
        payload = {"outcome": "applied", "date": dt.date.today().isoformat()}
    elif "decide" in url:
        payload = {"approve": True, "reason": "x"}

    response = api.client.request(method, url, json=payload, headers=HEADERS["admin"])

    body = _refused(response, field)
    assert body["errors"][0]["field"] == field and body["errors"][0]["value"], body


def test_an_unsafe_dispute_id_is_422(api: SecApi) -> None:
    entry_id = disputed_entry(api)["entry_id"]

    response = api.client.post(
        f"/v1/entries/{entry_id}/disputes/a%20b/resolve",
        json={"outcome": "upheld", "reason": "核实无误"},
        headers=HEADERS["admin"],
    )

    _refused(response, "dispute_id")


@pytest.mark.parametrize(
    ("field", "day"),
    [
        ("decided_on", dt.date(1949, 9, 30)),
        ("decided_on", dt.date.today() + dt.timedelta(days=400)),
        ("act_on", dt.date(1900, 1, 1)),
        ("valid_from", dt.date.today() + dt.timedelta(days=800)),
    ],
)
def test_an_entry_dated_outside_the_sane_window_is_422(api: SecApi, field: str, day: dt.date) -> None:
    body = {**entry_body("E-DATE-1"), field: day.isoformat()}
    if field == "act_on":
        body["decided_on"] = "2024-01-10"
    before = api.store.data_version()

    response = api.client.post("/v1/entries", json=body, headers=HEADERS["admin"])

    problem = _refused(response, field)
    assert day.isoformat() in problem["detail"], problem
    assert api.store.data_version() == before


@pytest.mark.parametrize("day", [dt.date(1900, 1, 1), dt.date.today() + dt.timedelta(days=400)])
def test_feedback_dated_outside_the_sane_window_is_422(api: SecApi, day: dt.date) -> None:
    task_id = pending_task(api)["task_id"]

    response = api.client.post(
        f"/v1/tasks/{task_id}/feedback",
        json={"outcome": "applied", "date": day.isoformat()},
        headers=HEADERS["admin"],
    )

    problem = _refused(response, "on")
    assert day.isoformat() in problem["detail"], problem


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31"])
def test_an_extreme_as_of_is_422_in_single_and_batch_checks(api: SecApi, day: str) -> None:
    item = {"subject_id": ORG.uscc, "scenario": "bidding", "as_of": day}

    single = api.client.post("/v1/checks", json=item, headers=HEADERS["approval"])
    batch = api.client.post("/v1/checks/batch", json={"items": [item]}, headers=HEADERS["approval"])

    _refused(single, "body.as_of")
    _refused(batch, "body.items.0.as_of")


@pytest.mark.parametrize(
    ("url", "raw"),
    [
        ("/v1/checks", b'{"subject_id": "\\ud800", "scenario": "bidding"}'),
        ("/v1/checks", b'{"subject_id": "9143\\udc00", "scenario": "bidding"}'),
        ("/v1/checks/batch", b'{"items": [{"subject_id": "\\ud83d", "scenario": "bidding"}]}'),
    ],
)
def test_an_unpaired_surrogate_in_a_json_body_is_422_not_500(api: SecApi, url: str, raw: bytes) -> None:
    response = api.client.post(
        url, content=raw, headers={**HEADERS["approval"], "Content-Type": "application/json"}
    )

    body = response.json()
    assert response.status_code == 422, body
    assert response.headers["content-type"] == PROBLEM, response.headers


def test_an_unpaired_surrogate_in_free_text_of_a_workflow_body_is_422(api: SecApi) -> None:
    entry_id = active_entry(api)["entry_id"]
    before = api.store.data_version()
    raw_entry = (
        f'{{"entry_id": "E-SUR-1", "subject_id": "{ORG.uscc}", "list": "black", "domain": "tax", '
        '"reason": "\\ud800", "decided_on": "2024-01-10", "initiating_dept": "initiator-client"}'
    ).encode()
    raw_dispute = b'{"grounds": "\\udfff", "filed_by": "x"}'
    json_headers = {**HEADERS["admin"], "Content-Type": "application/json"}

    created = api.client.post("/v1/entries", content=raw_entry, headers=json_headers)
    disputed = api.client.post(f"/v1/entries/{entry_id}/disputes", content=raw_dispute, headers=json_headers)

    assert created.status_code == 422, created.json()
    assert disputed.status_code == 422, disputed.json()
    assert api.store.data_version() == before


def test_a_dispute_correction_carrying_a_surrogate_is_422(api: SecApi) -> None:
    ids = disputed_entry(api)
    before = api.store.data_version()

    response = api.client.post(
        f"/v1/entries/{ids['entry_id']}/disputes/{ids['dispute_id']}/resolve",
        content=b'{"outcome": "corrected", "reason": "r", "changes": {"reason": "\\ud800"}}',
        headers={**HEADERS["admin"], "Content-Type": "application/json"},
    )

    assert response.status_code == 422, response.json()
    assert api.store.data_version() == before


@pytest.mark.parametrize(
    "url",
    [
        "/v1/public/entries?cursor=%ED%A0%80",
        "/v1/public/subjects/%ED%A0%80",
        "/v1/graph/search?q=%ED%A0%80",
        f"/v1/subjects/{ORG.uscc}?as_of=%ED%A0%80",
    ],
)
def test_surrogate_bytes_in_a_url_are_never_a_500(api: SecApi, url: str) -> None:
    response = api.client.get(url, headers=HEADERS["investigator"])

    assert response.status_code < 500, response.text
    assert response.status_code in (200, 404, 422), response.json()


def test_a_pending_repair_with_a_safe_id_is_still_decided(api: SecApi) -> None:
    repair_id = pending_repair(api)["repair_id"]

    response = api.client.post(
        f"/v1/repairs/{repair_id}/decide",
        json={"approve": False, "reason": "材料不全"},
        headers=HEADERS["admin"],
    )

    assert response.status_code == 200, response.json()
