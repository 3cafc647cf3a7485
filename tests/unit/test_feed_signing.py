"""Signed feed answers: what the peer client accepts, and every way it refuses an answer."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from pydantic import SecretStr

from graph_service.config import PeerConfig
from graph_service.federation.client import FeedClient
from graph_service.federation.serve import encode_cursor
from graph_service.federation.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    ReplayGuard,
    SignatureError,
    sign,
    verify,
)

SECRET = "shared-secret-of-county-b"
NOW = 1_795_434_000.0
WINDOW = 300.0
REGION = "430923"
BODY = b'{"events":[]}'


def _verify(body: bytes = BODY, *, at: float = NOW, signature: str | None = None, now: float = NOW) -> int:
    sent = int(at)
    return verify(
        SECRET,
        timestamp=str(sent),
        signature=signature if signature is not None else sign(SECRET, sent, body),
        body=body,
        now=now,
        window_s=WINDOW,
    )


def test_an_answer_signed_with_the_shared_secret_within_the_window_is_accepted() -> None:
    assert _verify(at=NOW - 299) == int(NOW - 299)


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1795434000." + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, 1_795_434_000, BODY) == "v1=" + expected


def test_a_changed_body_is_rejected_as_a_bad_signature() -> None:
    signature = sign(SECRET, int(NOW), BODY)
    with pytest.raises(SignatureError, match="bad signature"):
        _verify(b'{"events":[{"seq":1}]}', signature=signature)


def test_an_answer_signed_with_another_secret_is_rejected() -> None:
    with pytest.raises(SignatureError, match="bad signature"):
        _verify(signature=sign("someone-elses-secret", int(NOW), BODY))


def test_an_answer_signed_at_another_time_than_it_says_is_rejected() -> None:
    with pytest.raises(SignatureError, match="bad signature"):
        _verify(signature=sign(SECRET, int(NOW) - 1, BODY))


def test_an_unsigned_answer_is_rejected() -> None:
    with pytest.raises(SignatureError, match="unsigned"):
        verify(SECRET, timestamp=None, signature=None, body=BODY, now=NOW, window_s=WINDOW)


def test_an_answer_older_than_the_replay_window_is_rejected_as_stale() -> None:
    with pytest.raises(SignatureError, match="stale answer: signed 301 s old"):
        _verify(at=NOW - 301)


def test_an_answer_dated_beyond_the_window_ahead_of_our_clock_is_rejected() -> None:
    with pytest.raises(SignatureError, match="ahead of our clock"):
        _verify(at=NOW + 301)


@pytest.mark.parametrize("timestamp", ["", "12.5", "-100", "１２３", "9" * 13])
def test_a_timestamp_that_is_not_unix_seconds_is_rejected(timestamp: str) -> None:
    with pytest.raises(SignatureError):
        verify(SECRET, timestamp=timestamp, signature="v1=00", body=BODY, now=NOW, window_s=WINDOW)


def test_the_same_signed_answer_seen_twice_is_a_replay() -> None:
    guard = ReplayGuard(WINDOW)
    guard.admit("v1=abc", NOW)
    guard.admit("v1=def", NOW + 1)
    with pytest.raises(SignatureError, match="replayed"):
        guard.admit("v1=abc", NOW + 2)


# ---- the client's checks on a whole page ------------------------------------------------------------


def _client(region: str | None = REGION) -> FeedClient:
    peer = PeerConfig(url="http://peer.test", api_key=SecretStr("k"), secret=SecretStr(SECRET), region=region)
    return FeedClient("county-a", peer, window_s=WINDOW, clock=lambda: NOW)


def _page(after: str | None, nonce: str, seqs: list[int], next_seq: int, **over: Any) -> dict[str, Any]:
    page: dict[str, Any] = {
        "feed": REGION,
        "after": after,
        "nonce": nonce,
        "events": [{"seq": seq} for seq in seqs],
        "subjects": {},
        "next": encode_cursor(REGION, next_seq),
        "caught_up": True,
    }
    page.update(over)
    return page


def _signed(page: dict[str, Any], at: float = NOW) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(page).encode()
    return body, {TIMESTAMP_HEADER: str(int(at)), SIGNATURE_HEADER: sign(SECRET, int(at), body)}


def test_a_signed_page_answering_this_request_is_accepted_with_its_positions() -> None:
    after = encode_cursor(REGION, 4)
    body, headers = _signed(_page(after, "n-1", [5, 6, 9], 9))

    page = _client().verify(body, headers, after=after, nonce="n-1")

    assert (page.after_seq, page.next_seq, page.caught_up) == (4, 9, True)
    assert page.next == encode_cursor(REGION, 9)


def test_a_page_that_does_not_echo_this_requests_nonce_is_a_replay() -> None:
    body, headers = _signed(_page(None, "n-old", [1], 1))
    with pytest.raises(SignatureError, match="does not echo the nonce"):
        _client().verify(body, headers, after=None, nonce="n-new")


def test_receiving_the_very_same_signed_page_twice_is_a_replay() -> None:
    client = _client()
    body, headers = _signed(_page(None, "n-1", [1], 1))
    client.verify(body, headers, after=None, nonce="n-1")
    with pytest.raises(SignatureError, match="replayed"):
        client.verify(body, headers, after=None, nonce="n-1")


def test_a_page_for_another_cursor_than_asked_is_rejected() -> None:
    body, headers = _signed(_page(encode_cursor(REGION, 2), "n-1", [3], 3))
    with pytest.raises(SignatureError, match="another request"):
        _client().verify(body, headers, after=encode_cursor(REGION, 7), nonce="n-1")


def test_a_next_cursor_before_the_asked_one_is_rejected_as_going_backwards() -> None:
    after = encode_cursor(REGION, 7)
    body, headers = _signed(_page(after, "n-1", [], 5))
    with pytest.raises(SignatureError, match="cursor goes backwards"):
        _client().verify(body, headers, after=after, nonce="n-1")


def test_a_cursor_behind_one_already_accepted_is_rejected_as_going_backwards() -> None:
    client = _client()
    body, headers = _signed(_page(None, "n-1", [1, 2, 3], 3))
    client.verify(body, headers, after=None, nonce="n-1")
    body, headers = _signed(_page(None, "n-2", [1], 1))
    with pytest.raises(SignatureError, match="already accepted up to 3"):
        client.verify(body, headers, after=None, nonce="n-2")


def test_events_out_of_order_or_not_after_the_cursor_are_rejected() -> None:
    after = encode_cursor(REGION, 4)
    body, headers = _signed(_page(after, "n-1", [6, 5], 6))
    with pytest.raises(SignatureError, match="out of order"):
        _client().verify(body, headers, after=after, nonce="n-1")
    body, headers = _signed(_page(after, "n-2", [4], 4))
    with pytest.raises(SignatureError, match="out of order"):
        _client().verify(body, headers, after=after, nonce="n-2")


def test_a_page_from_another_regions_feed_than_the_peers_is_rejected() -> None:
    body, headers = _signed(_page(None, "n-1", [1], 1, feed="430921"))
    with pytest.raises(SignatureError, match="region '430921', expected 430923"):
        _client().verify(body, headers, after=None, nonce="n-1")


def test_a_stale_page_is_rejected_even_when_everything_else_is_right() -> None:
    body, headers = _signed(_page(None, "n-1", [1], 1), at=NOW - WINDOW - 1)
    with pytest.raises(SignatureError, match="stale"):
        _client().verify(body, headers, after=None, nonce="n-1")
