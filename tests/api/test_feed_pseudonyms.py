"""Persons matched across counties by pseudonym: county B, not cleared for full ID numbers, applies
county A's personal sanctions to its own person with that ID number (both backends for B)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_service.domain.model import Person
from graph_service.domain.pseudonyms import Pseudonymiser, is_pseudonymous_key
from graph_service.federation.sync import Backoff, SyncReport, pull
from graph_service.services.checks.catalog import load_catalog
from graph_service.services.checks.models import CheckRequest, CheckResult
from graph_service.services.checks.related_party import run_check
from graph_service.store.base import GraphStore
from tests.api.feed_support import REP, B, County, county_a, listing, seed_b
from tests.factories import make_entry

TODAY = dt.date(2026, 11, 23)
KEYS = {"2026a": "federation-key-2026a-of-hunan-xx"}
PSEUDONYMS = Pseudonymiser(keys={k: v.encode() for k, v in KEYS.items()}, current="2026a")
PERSONAL = "430923-B-2026-P001"  # a personal sanction on the legal representative


@pytest.fixture
def a(tmp_path: Path) -> Iterator[County]:
    with county_a(tmp_path / "a", federation_keys=KEYS) as opened:
        opened.store.upsert_entries([listing(), make_entry(PERSONAL, REP.key)])
        yield opened


@pytest.fixture
def b(store: GraphStore) -> Iterator[GraphStore]:
    """County B with the federation's key (reset after: the Neo4j store is shared between tests)."""
    seed_b(store)
    store.use_pseudonymiser(PSEUDONYMS)
    yield store
    store.use_pseudonymiser(None)


def _pull(b: GraphStore, a: County) -> SyncReport:
    client = a.peer_client(key="k-feed-county-b-0001")  # county-b: not cleared for full ID numbers
    return pull(b, client, home_region=B, limit=2, retries=0, backoff=Backoff(), sleep=lambda _: None)


def _check_person(b: GraphStore) -> CheckResult:
    request = CheckRequest(subject_id=REP.key, scenario="bidding")
    return run_check(b, load_catalog(None), request, as_of=TODAY, fan_out_limit=200)


def test_the_feed_names_persons_by_pseudonym_for_a_peer_not_cleared(a: County) -> None:
    page = a.client.get("/v1/feed", headers={"X-API-Key": "k-feed-county-b-0001"})

    assert page.status_code == 200, page.text
    assert REP.key not in page.text and REP.key[:6] + "********" not in page.text
    assert PSEUDONYMS.pseudonym(REP.key) in page.text


def test_a_personal_sanction_of_a_peer_hits_our_person_with_that_id_number(a: County, b: GraphStore) -> None:
    b.upsert_persons([REP.model_copy(update={"name": "本县登记的姓名"})])

    report = _pull(b, a)

    assert (report.applied, report.skipped) == (2, {}), report
    entries = b.get_entries([PERSONAL, listing().entry_id])
    assert entries[PERSONAL].subject_id == REP.key, entries
    assert entries[listing().entry_id].responsible_person_ids == (REP.key,), entries
    result = _check_person(b)
    assert result.verdict == "block", result
    assert PERSONAL in {m.entry_id for m in result.measures}, result


def test_an_unmatched_pseudonymous_person_is_kept_and_hit_once_the_person_is_loaded(
    a: County, b: GraphStore
) -> None:
    report = _pull(b, a)
    pseudonym = PSEUDONYMS.pseudonym(REP.key)
    kept = b.get_subjects([pseudonym])

    b.upsert_persons([REP])

    assert (report.applied, report.skipped) == (2, {}), report
    assert isinstance(kept.get(pseudonym), Person) and is_pseudonymous_key(pseudonym), kept
    assert list(b.get_subjects([pseudonym, REP.key])) == [REP.key]
    assert b.get_entries([PERSONAL])[PERSONAL].subject_id == REP.key
    result = _check_person(b)
    assert (result.verdict, PERSONAL in {m.entry_id for m in result.measures}) == ("block", True), result


def test_without_federation_keys_a_peer_still_skips_masked_persons(tmp_path: Path, store: GraphStore) -> None:
    seed_b(store)
    with county_a(tmp_path / "plain") as plain:
        plain.store.upsert_entries([make_entry(PERSONAL, REP.key)])
        report = _pull(store, plain)

    assert (report.applied, report.skipped) == (0, {"masked": 1}), report


def test_a_person_a_cleared_peer_sends_later_absorbs_the_pseudonymous_one(a: County, b: GraphStore) -> None:
    _pull(b, a)  # county-b: REP arrives by pseudonym only
    a.store.upsert_entries([make_entry("430923-B-2026-P002", REP.key)])
    cleared = a.peer_client(key="k-feed-county-c-0001")  # cleared for full ID numbers, its own cursor
    cleared.name = "county-a-cleared"

    report = pull(b, cleared, home_region=B, limit=10, retries=0, backoff=Backoff(), sleep=lambda _: None)

    assert report.applied == 1, report
    assert list(b.get_subjects([PSEUDONYMS.pseudonym(REP.key), REP.key])) == [REP.key]
    assert b.get_entries([PERSONAL])[PERSONAL].subject_id == REP.key


def test_a_check_of_a_person_never_loaded_here_hits_the_peers_pseudonymous_sanction(
    a: County, b: GraphStore
) -> None:
    _pull(b, a)  # REP is known here only by pseudonym

    result = _check_person(b)

    assert (result.verdict, PERSONAL in {m.entry_id for m in result.measures}) == ("block", True), result
    assert result.subject.id == PSEUDONYMS.pseudonym(REP.key), result.subject
