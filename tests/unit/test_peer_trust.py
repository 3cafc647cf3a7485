"""A peer speaks only for itself: hand-made pages that claim too much are refused, event by event.

Each page here would pass the signature check (the client verifies before this step); what it *says* is
what is judged: an entry dressed as the receiver's decision, a third county's decision from a peer that
does not relay it, a new organisation in the receiver's region. Refusals are counted by reason and the
cursor still moves, so a bad event cannot block a feed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from graph_service.domain.feed import FeedEvent, FeedEventKind
from graph_service.federation.apply import apply_page
from graph_service.federation.serve import encode_cursor
from graph_service.store.memory import MemoryStore
from tests.factories import make_entry, make_org

PEER, HOME, THIRD = "430921", "430923", "440305"
ORG = make_org(5, region=PEER)
OURS = make_org(6, region=HOME)  # a company of the receiver's own region


def _event(seq: int, *, event_region: str = PEER, entry_region: str = PEER, subject: str = ORG.uscc) -> Any:
    listed = make_entry(f"E-{seq}", subject, source_region=entry_region)
    event = FeedEvent(
        seq=seq,
        event=FeedEventKind.CREATED,
        entry=listed,
        source_region=event_region,
        origin_seq=seq,
        at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
    )
    return event.model_dump(mode="json")


def _page(*events: Any, subjects: tuple[Any, ...] = (ORG,)) -> dict[str, Any]:
    return {
        "feed": PEER,
        "events": list(events),
        "subjects": {s.key: s.model_dump(mode="json") for s in subjects},
        "next": encode_cursor(PEER, 9),
        "caught_up": True,
    }


def _apply(store: MemoryStore, page: dict[str, Any], relays: frozenset[str] = frozenset()) -> Any:
    return apply_page(
        store,
        page,
        peer="county-b",
        home_region=HOME,
        expected_cursor=None,
        speaks_for=frozenset({PEER}) | relays,
    )


def test_an_entry_dressed_as_the_receivers_own_decision_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    store = MemoryStore(None)

    outcome = _apply(store, _page(_event(1), _event(2, entry_region=HOME)))

    assert (outcome.applied, dict(outcome.skipped)) == (["E-1"], {"region_mismatch": 1}), outcome
    assert "E-2" not in store.get_entries(["E-2"])
    assert "seq 2 refused (region_mismatch)" in caplog.text
    assert store.peer_cursor("county-b") == encode_cursor(PEER, 9)


def test_a_third_countys_decision_is_refused_unless_the_peer_relays_it() -> None:
    third = _page(_event(1, event_region=THIRD, entry_region=THIRD))

    refused = _apply(MemoryStore(None), third)
    relayed = _apply(MemoryStore(None), third, relays=frozenset({THIRD}))

    assert (refused.applied, dict(refused.skipped)) == ([], {"not_peers_region": 1}), refused
    assert relayed.applied == ["E-1"], relayed


def test_a_peer_never_creates_a_subject_of_the_receivers_region() -> None:
    store = MemoryStore(None)

    outcome = _apply(store, _page(_event(1, subject=OURS.uscc), subjects=(ORG, OURS)))

    assert outcome.applied == [], outcome
    assert dict(outcome.skipped) == {"home_subject": 1, "unresolvable": 1}, outcome
    assert store.get_subjects([OURS.uscc]) == {}
