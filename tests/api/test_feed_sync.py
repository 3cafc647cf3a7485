"""Peer sync in process: county B pulls county A's signed feed into its own store (both backends).

B's store is the contract suite's ``store`` fixture, so every test runs with B on the embedded store and
on Neo4j; A is an embedded store behind its app, reached over real HTTP exchanges (tests/api/feed_support).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graph_service.domain.model import EntryStatus, StatusChange
from graph_service.federation.client import FeedClient, PeerUnavailable
from graph_service.federation.signing import SignatureError
from graph_service.federation.sync import Backoff, SyncReport, pull
from graph_service.services.checks.catalog import load_catalog
from graph_service.services.checks.models import CheckRequest, CheckResult
from graph_service.services.checks.related_party import run_check
from graph_service.store.base import GraphStore
from graph_service.store.memory import MemoryStore
from graph_service.store.workflow_port import EntryStep
from tests.api.feed_support import ENTERPRISE, HELD, A, B, County, county_a, listing, seed_b, serving
from tests.factories import make_entry

TODAY = dt.date(2026, 11, 23)
NO_WAIT = Backoff()  # waits are recorded, not slept


@pytest.fixture
def a(tmp_path: Path) -> Iterator[County]:
    with county_a(tmp_path / "a") as opened:
        yield opened


@pytest.fixture
def b(store: GraphStore) -> GraphStore:
    seed_b(store)
    return store


def _pull(
    b: GraphStore,
    client: FeedClient,
    sleeps: list[float] | None = None,
    *,
    retries: int = 5,
    backoff: Backoff = NO_WAIT,
    from_start: bool = False,
) -> SyncReport:
    """Pull two events a page; waits are recorded in ``sleeps`` instead of slept."""
    waits = sleeps if sleeps is not None else []
    return pull(
        b,
        client,
        home_region=B,
        limit=2,
        retries=retries,
        backoff=backoff,
        from_start=from_start,
        sleep=waits.append,
    )


def _check(b: GraphStore) -> CheckResult:
    request = CheckRequest(subject_id=HELD.uscc, scenario="bidding")
    return run_check(b, load_catalog(None), request, as_of=TODAY, fan_out_limit=200)


def _repair(a: County) -> None:
    entry = a.store.get_entries([listing().entry_id])[listing().entry_id]
    repaired = entry.model_copy(update={"status": EntryStatus.REPAIRED, "version": entry.version + 1})
    change = StatusChange(
        entry_id=entry.entry_id,
        from_status=EntryStatus.ACTIVE,
        to_status=EntryStatus.REPAIRED,
        at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
        actor="县税务局",
        reason="已完成信用修复",
    )
    a.store.write_step(EntryStep(repaired, change))


def test_a_listing_in_county_a_hits_a_related_company_in_county_b_with_its_origin(
    a: County, b: GraphStore
) -> None:
    a.store.upsert_entries([listing()])

    report = _pull(b, a.peer_client())

    assert (report.applied, report.caught_up) == (1, True), report
    result = _check(b)
    hits = {hit.subject_id: hit for hit in result.hits}
    assert ENTERPRISE.uscc in hits, result
    hit = hits[ENTERPRISE.uscc]
    assert hit.cross_region is True, hit
    assert [(e.entry_id, e.source_region) for e in hit.entries] == [(listing().entry_id, A)], hit
    assert b.peer_cursor(f"county-{A}") is not None


def test_a_repair_in_county_a_stops_the_hit_in_county_b_after_the_next_sync(a: County, b: GraphStore) -> None:
    a.store.upsert_entries([listing()])
    _pull(b, a.peer_client())
    _repair(a)

    report = _pull(b, a.peer_client())

    assert report.applied == 1, report
    assert ENTERPRISE.uscc not in {hit.subject_id for hit in _check(b).hits}
    assert b.get_entries([listing().entry_id])[listing().entry_id].status is EntryStatus.REPAIRED
    history = b.entry_history(listing().entry_id)
    assert [(c.to_status, c.reason) for c in history][-1] == (EntryStatus.REPAIRED, "已完成信用修复"), history


def test_syncing_again_or_from_the_start_applies_nothing_twice(a: County, b: GraphStore) -> None:
    a.store.upsert_entries([listing(f"430923-B-{n}") for n in range(5)])
    first = _pull(b, a.peer_client())
    head = b.feed_events(0, 1).head

    again = _pull(b, a.peer_client())
    from_start = _pull(b, a.peer_client(), from_start=True)

    assert (first.applied, first.pages) == (5, 3), first
    assert (again.applied, again.events) == (0, 0), again
    assert (from_start.applied, from_start.skipped) == (0, {"duplicate": 5}), from_start
    assert b.feed_events(0, 1).head == head


def test_entries_naming_persons_are_skipped_when_the_peer_masks_id_numbers(a: County, b: GraphStore) -> None:
    a.store.upsert_entries([listing(), make_entry("430923-B-ORG", ENTERPRISE.uscc)])

    report = _pull(b, a.peer_client(key="k-feed-county-b-0001"))

    assert (report.applied, report.skipped) == (1, {"masked": 1}), report
    assert list(b.get_entries(["430923-B-ORG", listing().entry_id])) == ["430923-B-ORG"]


def test_a_peer_that_is_down_is_retried_with_growing_waits(a: County, b: GraphStore) -> None:
    a.store.upsert_entries([listing()])
    a.down[0] = 3
    sleeps: list[float] = []

    report = _pull(b, a.peer_client(), sleeps, backoff=Backoff(initial_s=1.0, cap_s=3.0))

    assert report.applied == 1, report
    assert sleeps == [1.0, 2.0, 3.0], sleeps


def test_a_peer_down_for_longer_than_the_retries_leaves_this_store_as_it_was(
    a: County, b: GraphStore
) -> None:
    a.store.upsert_entries([listing()])
    a.down[0] = 10

    with pytest.raises(PeerUnavailable, match="did not answer"):
        _pull(b, a.peer_client(), retries=2)

    assert b.peer_cursor(f"county-{A}") is None
    assert b.get_entries([listing().entry_id]) == {}


def test_an_answer_changed_in_flight_is_rejected_and_nothing_is_applied(a: County, b: GraphStore) -> None:
    a.store.upsert_entries([listing()])

    def tamper(response: httpx.Response) -> httpx.Response:
        body = response.content.replace(b'"black"', b'"red"')
        return httpx.Response(response.status_code, headers=response.headers, content=body)

    a.tamper.append(tamper)

    with pytest.raises(SignatureError, match="bad signature"):
        _pull(b, a.peer_client())

    assert b.get_entries([listing().entry_id]) == {}
    assert b.peer_cursor(f"county-{A}") is None


def test_a_hub_relays_a_countys_entries_to_the_others_and_not_back(
    a: County, b: GraphStore, tmp_path: Path
) -> None:
    a.store.upsert_entries([listing()])
    _pull(b, a.peer_client())
    third = MemoryStore(None)

    with serving(b, B, tmp_path / "hub") as hub:
        relayed = pull(third, hub.peer_client(relays=(A,)), home_region="430922")
        echoed = pull(a.store, hub.peer_client(relays=(A,)), home_region=A)

    assert relayed.applied == 1, relayed
    entry = third.get_entries([listing().entry_id])[listing().entry_id]
    assert entry.source_region == A, entry
    origin = [e.origin_seq for e in a.store.feed_events(0, 10).events]
    assert [e.origin_seq for e in third.feed_events(0, 10).events] == origin
    assert (echoed.applied, echoed.skipped) == (0, {"own": 1}), echoed


def test_a_peer_that_is_not_configured_to_relay_a_region_cannot_speak_for_it(
    a: County, b: GraphStore, tmp_path: Path
) -> None:
    a.store.upsert_entries([listing()])
    _pull(b, a.peer_client())
    third = MemoryStore(None)

    with serving(b, B, tmp_path / "not-a-hub") as county_b:
        outcome = pull(third, county_b.peer_client(), home_region="430922")

    assert (outcome.applied, outcome.skipped) == (0, {"not_peers_region": 1}), outcome
    assert third.get_entries([listing().entry_id]) == {}
