"""``GET /v1/feed``: signed pages of the change feed, masked unless the peer is cleared."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph_service.domain.model import EntryStatus, StatusChange
from graph_service.federation.serve import decode_cursor, encode_cursor
from graph_service.federation.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from graph_service.store.workflow_port import EntryStep
from tests.api.feed_support import (
    APPROVAL,
    COUNTY_B,
    COUNTY_C,
    ENTERPRISE,
    NO_SECRET,
    REP,
    SECRET,
    County,
    county_a,
    listing,
)


@pytest.fixture
def a(tmp_path: Path) -> Iterator[County]:
    with county_a(tmp_path) as opened:
        yield opened


def _list_and_repair(a: County) -> None:
    entry = listing()
    a.store.upsert_entries([entry])
    repaired = entry.model_copy(update={"status": EntryStatus.REPAIRED, "version": 2})
    change = StatusChange(
        entry_id=entry.entry_id,
        from_status=EntryStatus.ACTIVE,
        to_status=EntryStatus.REPAIRED,
        at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
        actor="县税务局",
    )
    a.store.write_step(EntryStep(repaired, change))


def _page(a: County, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = a.client.get("/v1/feed", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_page_is_signed_over_its_exact_bytes_with_the_peers_secret(a: County) -> None:
    _list_and_repair(a)

    response = a.client.get("/v1/feed", headers={**COUNTY_B, "X-Feed-Nonce": "n-1"})

    assert response.status_code == 200, response.text
    signed_at = verify(
        SECRET,
        timestamp=response.headers[TIMESTAMP_HEADER],
        signature=response.headers[SIGNATURE_HEADER],
        body=response.content,
        now=float(response.headers[TIMESTAMP_HEADER]),
        window_s=1,
    )
    assert signed_at > 0
    body = response.json()
    assert (body["feed"], body["after"], body["nonce"], body["caught_up"]) == ("430923", None, "n-1", True)
    assert [(e["event"], e["entry"]["version"]) for e in body["events"]] == [("created", 1), ("repaired", 2)]
    assert decode_cursor(body["next"]) == ("430923", body["events"][-1]["seq"])


def test_own_entries_are_sent_with_this_deployments_region_as_their_origin(a: County) -> None:
    a.store.upsert_entries([listing()])

    event = _page(a, COUNTY_C)["events"][0]

    assert event["source_region"] == "430923" and event["entry"]["source_region"] == "430923", event


def test_pages_follow_each_other_until_caught_up(a: County) -> None:
    a.store.upsert_entries([listing(f"430923-B-{n}") for n in range(5)])

    first = _page(a, COUNTY_B, limit=2)
    second = _page(a, COUNTY_B, limit=2, after=first["next"])
    last = _page(a, COUNTY_B, limit=2, after=second["next"])
    empty = _page(a, COUNTY_B, limit=2, after=last["next"])

    ids = [e["entry"]["entry_id"] for page in (first, second, last) for e in page["events"]]
    assert ids == [f"430923-B-{n}" for n in range(5)]
    assert [p["caught_up"] for p in (first, second, last, empty)] == [False, False, True, True]
    assert (empty["events"], empty["next"]) == ([], last["next"])


def test_the_page_carries_the_records_of_the_subjects_its_entries_name(a: County) -> None:
    a.store.upsert_entries([listing()])

    subjects = _page(a, COUNTY_C)["subjects"]

    assert subjects[ENTERPRISE.uscc]["name"] == ENTERPRISE.name, subjects
    assert subjects[REP.key] == REP.model_dump(mode="json"), subjects


def test_id_numbers_are_masked_for_a_peer_not_cleared_to_receive_them(a: County) -> None:
    a.store.upsert_entries([listing()])

    masked = a.client.get("/v1/feed", headers=COUNTY_B).text
    cleared = a.client.get("/v1/feed", headers=COUNTY_C).text

    assert REP.key not in masked and REP.key[:6] + "********" + REP.key[14:] in masked
    assert REP.key in cleared


def test_a_peer_key_without_a_shared_secret_gets_no_unsigned_answer(a: County) -> None:
    response = a.client.get("/v1/feed", headers=NO_SECRET)

    assert response.status_code == 403, response.text
    assert "GRAPH_SERVICE_FEED_SECRETS" in response.json()["detail"], response.json()


def test_other_roles_may_not_read_the_feed(a: County) -> None:
    response = a.client.get("/v1/feed", headers=APPROVAL)

    assert response.status_code == 403, response.text


@pytest.mark.parametrize(
    ("after", "status", "words"),
    [
        ("garbage", 422, "is not a feed cursor"),
        (encode_cursor("430921", 1), 422, "feed of region 430921"),
        (encode_cursor("430923", 99), 409, "beyond this feed's head"),
    ],
)
def test_a_cursor_that_is_not_one_of_this_feed_is_refused(
    a: County, after: str, status: int, words: str
) -> None:
    response = a.client.get("/v1/feed", params={"after": after}, headers=COUNTY_B)

    assert response.status_code == status, response.text
    assert words in response.json()["detail"], response.json()


def test_every_read_of_the_feed_is_audited_with_the_entries_it_sent(a: County) -> None:
    a.store.upsert_entries([listing()])

    _page(a, COUNTY_B)

    records = a.audit.query(action="feed.read", limit=10)
    assert [(r.client, r.entry_ids, r.detail["events"], r.detail["masked"]) for r in records] == [
        ("county-b", [listing().entry_id], 1, True)
    ], records
