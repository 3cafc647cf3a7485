"""County A pushes its feed to the province hub H, on 127.0.0.1, with the hub down for a while.

Both are real processes (``graph-service serve`` on free ports, embedded stores). A has 30 entries.

1. The hub is down: ``graph-service push --target hub`` retries, then gives up with a dead letter
   (exit 1, audited ``feed.push.dead_letter``) and acknowledges nothing.
2. The hub is up: the push sends the 30 events in pages and stores the acknowledged position.
3. A's API pushes by itself (``GRAPH_SERVICE_PUSH_TARGETS``): new listings reach the hub; the hub goes
   down, A lists more, the background pusher dead-letters, the hub comes back and receives them.
   At the end the hub holds every A entry exactly once, relayed with A's region and origin seq.
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph_service.store.memory import MemoryStore
from tests.e2e.test_federation import CLI, DEPT, _env, _free_port, _serve
from tests.factories import make_entry, make_org

A, HUB = "430923", "430900"
LISTED = [make_org(300 + n, region=A) for n in range(30)]
LATER = [make_org(400 + n, region=A) for n in range(5)]
SECRET = "secret-shared-by-county-a-and-hub"
KEYS_A = {"k-a-initiator-0001": {"role": "initiator", "name": DEPT}}
KEYS_HUB = {
    "k-hub-peer-county-a-0001": {"role": "peer", "name": "county-a"},
    "k-hub-admin-0001": {"role": "admin", "name": "hub-ops"},
}
INITIATOR = {"X-API-Key": "k-a-initiator-0001"}
HUB_ADMIN = {"X-API-Key": "k-hub-admin-0001"}


def _wait(what: str, done: Callable[[], bool], timeout_s: float = 45.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, f"not within {timeout_s} s: {what}"
        time.sleep(0.3)


def _hub_events(url: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{url}/v1/feed", params={"limit": 1000}, headers=HUB_ADMIN, timeout=10)
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def _push(env: dict[str, str], *args: str) -> tuple[int, str]:
    done = subprocess.run(
        [CLI, "push", "--target", "hub", *args], env=env, capture_output=True, text=True, timeout=120
    )
    return done.returncode, done.stdout + done.stderr


def _dead_letters(data_dir: Path) -> int:
    audit = data_dir / "audit.jsonl"
    return audit.read_text(encoding="utf-8").count('"feed.push.dead_letter"') if audit.exists() else 0


def _list(url: str, org_index: int) -> None:
    org = LATER[org_index]
    entry = make_entry(f"430923-P-{org_index}", org.uscc, initiating_dept=DEPT)
    response = httpx.post(f"{url}/v1/entries", json=entry.model_dump(mode="json"), headers=INITIATOR)
    assert response.status_code == 201, response.text


@pytest.mark.slow
def test_a_county_pushes_its_feed_to_the_hub_through_outages_without_losing_or_repeating(
    tmp_path: Path,
) -> None:
    dir_a, dir_hub = tmp_path / "a", tmp_path / "hub"
    with MemoryStore(dir_a) as a:
        a.upsert_organizations([*LISTED, *LATER])
        a.upsert_entries([make_entry(f"430923-L-{n}", org.uscc) for n, org in enumerate(LISTED)])
    port_hub = _free_port()
    url_hub = f"http://127.0.0.1:{port_hub}"
    target = {"url": url_hub, "api_key": "k-hub-peer-county-a-0001", "secret": SECRET}
    env_a = _env(
        region=A,
        data_dir=str(dir_a),
        api_keys=KEYS_A,
        push_targets={"hub": target},
        push_interval_s="0.5",
        push_retries="2",
        push_dead_letter_pause_s="1",
        rate_limit_per_minute="0",
    )
    county_a = {"url": "http://127.0.0.1:9", "api_key": "unused-key", "secret": SECRET, "region": A}
    env_hub = _env(
        region=HUB,
        data_dir=str(dir_hub),
        api_keys=KEYS_HUB,
        feed_secrets={"county-a": SECRET},
        peers={"county-a": county_a},
        rate_limit_per_minute="0",
    )

    # 1. The hub is down: a dead letter after the retries, nothing acknowledged.
    code, output = _push(env_a, "--retries", "1")
    assert code == 1 and '"dead_letter": "push target' in output, (code, output)
    assert _dead_letters(dir_a) == 1
    with MemoryStore(dir_a, read_only=True) as a:
        assert a.push_position("hub") == 0

    with _serve(env_hub, port_hub, tmp_path / "hub.log"):
        # 2. The hub is up: everything, in pages of 7, acknowledged up to A's head.
        code, output = _push(env_a, "--limit", "7")
        assert code == 0 and '"pages": 5' in output and '"applied": 30' in output, (code, output)
        assert len(_hub_events(url_hub)) == 30
        code, output = _push(env_a)
        assert code == 0 and '"pages": 0' in output, (code, output)  # nothing left: nothing sent

        # 3. A's API pushes by itself.
        with _serve(env_a, _free_port(), tmp_path / "a.log") as url_a:
            _list(url_a, 0)
            _list(url_a, 1)
            _wait("the hub receives A's new listings", lambda: len(_hub_events(url_hub)) == 32)
    with _serve(env_a, _free_port(), tmp_path / "a.log") as url_a:
        # ... the hub is down now: A lists on, the pusher gives up into a dead letter ...
        for n in (2, 3, 4):
            _list(url_a, n)
        _wait("a dead letter while the hub is down", lambda: _dead_letters(dir_a) >= 2)
        # ... and the hub comes back.
        with _serve(env_hub, port_hub, tmp_path / "hub.log"):
            _wait("the hub receives what it missed", lambda: len(_hub_events(url_hub)) == 35)
            events = _hub_events(url_hub)

    expected = {f"430923-L-{n}" for n in range(30)} | {f"430923-P-{n}" for n in range(5)}
    per_entry = Counter(e["entry"]["entry_id"] for e in events)
    assert set(per_entry) == expected and set(per_entry.values()) == {1}, per_entry
    assert {e["source_region"] for e in events} == {A}, events[:2]
    origin = [e["origin_seq"] for e in events]
    assert origin == sorted(origin) and len(set(origin)) == 35, origin
    with MemoryStore(dir_a, read_only=True) as a:
        assert a.push_position("hub") == a.feed_events(0, 1).head
