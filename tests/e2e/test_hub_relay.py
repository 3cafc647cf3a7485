"""Three deployments on 127.0.0.1: county A lists, the province hub relays, county C recognises.

A (430923) and the hub (430900) are ``graph-service serve`` processes on their own embedded data dirs; the
hub pulls A (``graph-service sync --peer county-a``), and C (430921) pulls the hub, which it is configured
to trust as a relay for A's region (``relays``). C's check of a company A's enterprise holds then hits
A's decision with its origin kept (``source_region`` 430923, cross-region). Without the relay setting the
same page is refused as not the hub's to speak for.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph_service.domain.model import RelationKind
from graph_service.store.memory import MemoryStore
from tests.e2e.test_federation import (
    CLI,
    DEPT,
    ENTERPRISE,
    HELD,
    INITIATOR,
    KEYS_A,
    SECRET,
    _env,
    _free_port,
    _serve,
)
from tests.factories import make_entry, make_relation

A, HUB, C = "430923", "430900", "430921"
HUB_SECRET = "secret-shared-by-the-hub-and-county-c"
KEYS_HUB = {"k-hub-peer-county-c-0001": {"role": "peer", "name": "county-c"}}
KEYS_C = {"k-c-approval-0001": {"role": "approval", "name": "c-approvals"}}
LISTED = "430923-B-2026-0900"


def _sync(env: dict[str, str], peer: str) -> dict[str, Any]:
    done = subprocess.run([CLI, "sync", "--peer", peer], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-2000:])
    summary: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return summary


def _seed(dir_a: Path, dir_c: Path) -> None:
    with MemoryStore(dir_a) as a:
        a.upsert_organizations([ENTERPRISE])
    with MemoryStore(dir_c) as c:
        c.upsert_organizations([HELD, ENTERPRISE])
        c.upsert_relations(
            [make_relation(RelationKind.SHAREHOLDER, ENTERPRISE.uscc, HELD.uscc, None, ratio=0.6)]
        )


@pytest.mark.slow
def test_the_hub_relays_a_countys_decision_to_another_county_that_trusts_it_as_a_relay(
    tmp_path: Path,
) -> None:
    dir_a, dir_hub, dir_c = tmp_path / "a", tmp_path / "hub", tmp_path / "c"
    _seed(dir_a, dir_c)
    port_a, port_hub = _free_port(), _free_port()
    keys_a = {**KEYS_A, "k-a-peer-hub-0001": {"role": "peer", "name": "hub"}}
    env_a = _env(region=A, data_dir=str(dir_a), api_keys=keys_a, feed_secrets={"hub": SECRET})
    env_a["GRAPH_SERVICE_FEED_FULL_ID_PEERS"] = '["hub"]'
    env_hub = _env(
        region=HUB,
        data_dir=str(dir_hub),
        api_keys=KEYS_HUB,
        feed_secrets={"county-c": HUB_SECRET},
        peers={
            "county-a": {
                "url": f"http://127.0.0.1:{port_a}",
                "api_key": "k-a-peer-hub-0001",
                "secret": SECRET,
                "region": A,
            }
        },
    )
    hub_peer = {
        "url": f"http://127.0.0.1:{port_hub}",
        "api_key": "k-hub-peer-county-c-0001",
        "secret": HUB_SECRET,
    }

    with _serve(env_a, port_a, tmp_path / "a.log") as url_a:
        entry = make_entry(LISTED, ENTERPRISE.uscc, initiating_dept=DEPT).model_dump(mode="json")
        created = httpx.post(f"{url_a}/v1/entries", json=entry, headers=INITIATOR)
        assert created.status_code == 201, created.text
        assert _sync(env_hub, "county-a")["applied"] == 1

    with _serve(env_hub, port_hub, tmp_path / "hub.log"):
        untrusted = _env(
            region=C, data_dir=str(tmp_path / "c-untrusted"), peers={"hub": {**hub_peer, "region": HUB}}
        )
        refused = _sync(untrusted, "hub")
        env_c = _env(
            region=C,
            data_dir=str(dir_c),
            api_keys=KEYS_C,
            peers={"hub": {**hub_peer, "region": HUB, "relays": [A]}},
        )
        relayed = _sync(env_c, "hub")

    assert (refused["applied"], refused["skipped"]) == (0, {"not_peers_region": 1}), refused
    assert relayed["applied"] == 1, relayed
    port_c = _free_port()
    with _serve(env_c, port_c, tmp_path / "c.log") as url_c:
        answer = httpx.post(
            f"{url_c}/v1/checks",
            json={"subject_id": HELD.uscc, "scenario": "bidding"},
            headers={"X-API-Key": "k-c-approval-0001"},
        )
    assert answer.status_code == 200, answer.text
    hits = {hit["subject_id"]: hit for hit in answer.json()["hits"]}
    assert ENTERPRISE.uscc in hits, hits
    assert hits[ENTERPRISE.uscc]["cross_region"] is True
    assert [(e["entry_id"], e["source_region"]) for e in hits[ENTERPRISE.uscc]["entries"]] == [(LISTED, A)]
