"""Applying a verified page: what is skipped, and what is refused as not a feed page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from graph_service.domain.feed import FeedEvent, FeedEventKind
from graph_service.errors import InvalidInput
from graph_service.federation.apply import apply_page
from graph_service.federation.serve import encode_cursor
from graph_service.store.memory import MemoryStore
from tests.factories import make_entry, make_org, make_person

PEER, HOME = "430921", "430923"
ORG = make_org(5, region=PEER)
GONE = make_person(5, region=PEER)  # merged away at the peer: no record is sent for it


def _event(seq: int, **entry: Any) -> dict[str, Any]:
    listed = make_entry(f"430921-B-{seq}", ORG.uscc, source_region=PEER, **entry)
    event = FeedEvent(
        seq=seq,
        event=FeedEventKind.CREATED,
        entry=listed,
        source_region=PEER,
        origin_seq=seq,
        at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
    )
    return event.model_dump(mode="json")


def _page(*events: dict[str, Any]) -> dict[str, Any]:
    return {
        "feed": PEER,
        "events": list(events),
        "subjects": {ORG.uscc: ORG.model_dump(mode="json")},
        "next": encode_cursor(PEER, 9),
        "caught_up": True,
    }


def test_an_event_naming_a_subject_neither_here_nor_sent_is_skipped_and_the_cursor_moves() -> None:
    store = MemoryStore(None)

    outcome = apply_page(
        store,
        _page(_event(1), _event(2, responsible_person_ids=(GONE.key,))),
        peer="county-b",
        home_region=HOME,
        expected_cursor=None,
    )

    assert (outcome.applied, dict(outcome.skipped)) == (["430921-B-1"], {"unresolvable": 1}), outcome
    assert store.peer_cursor("county-b") == encode_cursor(PEER, 9)
    assert store.get_subjects([ORG.uscc]) == {ORG.uscc: ORG}


@pytest.mark.parametrize(
    ("page", "field"),
    [
        ({"events": []}, "page"),
        ({"events": [{"seq": 1, "event": "created"}], "next": encode_cursor(PEER, 1)}, "events[0]"),
        (
            {
                "events": [],
                "subjects": {"x": {"uscc": "not-a-uscc", "name": "?"}},
                "next": encode_cursor(PEER, 1),
            },
            "subjects[x]",
        ),
    ],
    ids=["no-next-cursor", "malformed-event", "malformed-subject"],
)
def test_a_page_that_is_not_a_feed_page_is_refused_naming_the_part_and_nothing_is_written(
    page: dict[str, Any], field: str
) -> None:
    store = MemoryStore(None)

    with pytest.raises(InvalidInput) as raised:
        apply_page(store, page, peer="county-b", home_region=HOME, expected_cursor=None)

    assert raised.value.errors[0]["field"] == field, raised.value.errors
    assert store.peer_cursor("county-b") is None
