"""A signed page that claims too much, against a real deployment's sync process (127.0.0.1 only).

The peer here is hand-made: a small HTTP server that answers ``GET /v1/feed`` with a page it signs with
the shared secret exactly as a deployment would (timestamp, HMAC, the request's nonce echoed). Its
signature is good; what it says is not all its to say. County 430923's ``graph-service sync`` (a real
process on its own embedded data dir) must apply the peer's own decision and refuse the rest: an entry
dressed as 430923's own decision, a third county's decision the peer is not configured to relay, and a
record of an organisation in 430923's region.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from graph_service.domain.feed import FeedEvent, FeedEventKind
from graph_service.federation.serve import encode_cursor
from graph_service.federation.signing import NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from graph_service.store.memory import MemoryStore
from tests.factories import make_entry, make_org

HOME, PEER, THIRD = "430923", "430921", "440305"
SECRET = "secret-shared-with-the-hand-made-peer"
PEER_ORG = make_org(7, region=PEER)
HOME_ORG = make_org(8, region=HOME)  # a company of the receiving county
CLI = str(Path(sys.executable).with_name("graph-service"))


def _event(seq: int, entry_id: str, *, subject: str, event_region: str, entry_region: str) -> Any:
    entry = make_entry(entry_id, subject, source_region=entry_region)
    event = FeedEvent(
        seq=seq,
        event=FeedEventKind.CREATED,
        entry=entry,
        source_region=event_region,
        origin_seq=seq,
        at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
    )
    return event.model_dump(mode="json")


EVENTS = [
    _event(1, "P-OWN", subject=PEER_ORG.uscc, event_region=PEER, entry_region=PEER),
    _event(2, "P-FORGED", subject=PEER_ORG.uscc, event_region=PEER, entry_region=HOME),
    _event(3, "P-THIRD", subject=PEER_ORG.uscc, event_region=THIRD, entry_region=THIRD),
    _event(4, "P-HOME-ORG", subject=HOME_ORG.uscc, event_region=PEER, entry_region=PEER),
]


class _HandMadePeer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server hook's name
        query = parse_qs(urlparse(self.path).query)
        after = query.get("after", [None])[0]
        body = json.dumps(
            {
                "feed": PEER,
                "after": after,
                "nonce": self.headers.get(NONCE_HEADER),
                "events": [] if after else EVENTS,
                "subjects": {s.key: s.model_dump(mode="json") for s in (PEER_ORG, HOME_ORG)},
                "next": encode_cursor(PEER, len(EVENTS)),
                "caught_up": True,
            }
        ).encode()
        timestamp = int(time.time())
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header(TIMESTAMP_HEADER, str(timestamp))
        self.send_header(SIGNATURE_HEADER, sign(SECRET, timestamp, body))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep the test output quiet
        return


@pytest.fixture
def peer_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HandMadePeer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_real_sync_applies_the_peers_own_decision_and_refuses_what_it_may_not_say(
    peer_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "county-430923"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_SERVICE_")}
    env |= {
        "GRAPH_SERVICE_DATA_DIR": str(data_dir),
        "GRAPH_SERVICE_REGION": HOME,
        "GRAPH_SERVICE_PEERS": json.dumps(
            {"county-430921": {"url": peer_url, "api_key": "k-peer", "secret": SECRET, "region": PEER}}
        ),
    }

    done = subprocess.run(
        [CLI, "sync", "--peer", "county-430921", "--retries", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["applied"] == 1, summary
    assert summary["skipped"] == {
        "region_mismatch": 1,
        "not_peers_region": 1,
        "home_subject": 1,
        "unresolvable": 1,
    }, summary
    with MemoryStore(data_dir, read_only=True) as store:
        assert sorted(store.get_entries([e["entry"]["entry_id"] for e in EVENTS])) == ["P-OWN"]
        assert store.get_entries(["P-OWN"])["P-OWN"].source_region == PEER
        assert store.get_subjects([HOME_ORG.uscc]) == {}
        assert [event.entry.entry_id for event in store.feed_events(0, 10).events] == ["P-OWN"]
