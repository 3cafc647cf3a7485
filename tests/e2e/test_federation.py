"""Two deployments on 127.0.0.1: county A lists, county B recognises, A repairs, B follows.

County A (430923) and county B (430921) are real processes: ``graph-service serve`` under uvicorn on their
own ports and data dirs (the embedded store), and ``graph-service sync --peer county-a`` as B's sync
process. The embedded store has one writer per data dir, so B's API and B's sync process take turns here
(with Neo4j both run at once; an embedded API can follow its peers itself, GRAPH_SERVICE_SYNC_PEERS); A's
API runs throughout.

1. A lists an enterprise through its API → B syncs → a check in B on a company the enterprise holds hits
   it, ``cross_region`` true, origin 430923.
2. A repairs the entry (repair application, then approval) → B syncs → the check no longer hits it.
3. A lists 40 more entries → B's sync is SIGKILLed after a few pages → restarted, it resumes from its
   stored cursor: B's relayed events equal A's feed event for event (no duplicates, nothing missed).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph_service.domain.model import RelationKind
from graph_service.store.memory import MemoryStore
from tests.factories import make_entry, make_org, make_person, make_relation

A, B = "430923", "430921"
DEPT = "安化县税务局"  # A's initiator key is named after its department: it decides on its own entries
ENTERPRISE = make_org(1, region=A)
REP = make_person(1, region=A)
HELD = make_org(2, region=B)
BULK = [make_org(100 + n, region=A) for n in range(30)]
SECRET = "secret-shared-by-county-a-and-b"
KEYS_A = {
    "k-a-initiator-0001": {"role": "initiator", "name": DEPT},
    "k-a-peer-county-b-0001": {"role": "peer", "name": "county-b"},
}
KEYS_B = {"k-b-approval-0001": {"role": "approval", "name": "b-approvals"}}
INITIATOR = {"X-API-Key": "k-a-initiator-0001"}
APPROVAL = {"X-API-Key": "k-b-approval-0001"}
CLI = str(Path(sys.executable).with_name("graph-service"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(**settings: Any) -> dict[str, str]:
    """This test's settings only: nothing of the developer's GRAPH_SERVICE_* (a Neo4j URI, say) leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_SERVICE_")}
    for name, value in settings.items():
        env[f"GRAPH_SERVICE_{name.upper()}"] = value if isinstance(value, str) else json.dumps(value)
    return env


def _counties(
    dir_a: Path, dir_b: Path, port_a: int, *, cleared: bool = True, **both: Any
) -> tuple[dict[str, str], dict[str, str]]:
    """The environments of county A (serving its feed on ``port_a``) and county B (pulling it as
    ``county-a``); ``cleared``: B may receive full ID numbers; ``both``: settings both counties share."""
    full_ids = {"feed_full_id_peers": ["county-b"]} if cleared else {}
    env_a = _env(
        region=A,
        data_dir=str(dir_a),
        api_keys=KEYS_A,
        feed_secrets={"county-b": SECRET},
        rate_limit_per_minute="0",
        **full_ids,
        **both,
    )
    peer = {"url": f"http://127.0.0.1:{port_a}", "api_key": "k-a-peer-county-b-0001", "secret": SECRET}
    env_b = _env(
        region=B, data_dir=str(dir_b), api_keys=KEYS_B, peers={"county-a": {**peer, "region": A}}, **both
    )
    return env_a, env_b


@contextmanager
def _serve(env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """``graph-service serve`` on ``port`` until the block ends; yields its base URL once it is ready."""
    with log.open("ab") as out:
        proc = subprocess.Popen([CLI, "serve", "--port", str(port)], env=env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"server exited with {proc.returncode}: {log.read_text()[-2000:]}"
            try:
                if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"server not ready in 60 s: {log.read_text()[-2000:]}"
            time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _sync(env: dict[str, str], *args: str) -> list[dict[str, Any]]:
    """Run B's sync to the end; its JSON lines (pages, then the summary)."""
    done = subprocess.run(
        [CLI, "sync", "--peer", "county-a", *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _check(env: dict[str, str], log: Path) -> dict[str, Any]:
    """Start B's API, check the company A's enterprise holds, stop it."""
    with _serve(env, _free_port(), log) as url:
        response = httpx.post(
            f"{url}/v1/checks", json={"subject_id": HELD.uscc, "scenario": "bidding"}, headers=APPROVAL
        )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _seed(dir_a: Path, dir_b: Path) -> None:
    """A's registry (and 30 entries by bulk load); B's registry naming A's enterprise as a shareholder."""
    start = dt.date(2020, 1, 1)
    with MemoryStore(dir_a) as a:
        a.upsert_organizations([ENTERPRISE, *BULK])
        a.upsert_persons([REP])
        a.upsert_relations(
            [make_relation(RelationKind.LEGAL_REPRESENTATIVE, REP.key, ENTERPRISE.uscc, start)]
        )
        a.upsert_entries([make_entry(f"430923-L-{n}", org.uscc) for n, org in enumerate(BULK)])
    with MemoryStore(dir_b) as b:
        b.upsert_organizations([HELD, ENTERPRISE])
        b.upsert_relations(
            [make_relation(RelationKind.SHAREHOLDER, ENTERPRISE.uscc, HELD.uscc, start, ratio=0.6)]
        )


def _entry_body(entry_id: str, subject_id: str, **kw: Any) -> dict[str, Any]:
    entry = make_entry(entry_id, subject_id, initiating_dept=DEPT, **kw)
    return entry.model_dump(mode="json")


@pytest.mark.slow
def test_two_counties_recognise_each_others_decisions_and_resume_after_a_crash(tmp_path: Path) -> None:
    dir_a, dir_b = tmp_path / "a", tmp_path / "b"
    _seed(dir_a, dir_b)
    port_a = _free_port()
    env_a, env_b = _counties(dir_a, dir_b, port_a)
    listed = "430923-B-2026-0001"

    with _serve(env_a, port_a, tmp_path / "a.log") as url_a:
        created = httpx.post(
            f"{url_a}/v1/entries",
            json=_entry_body(listed, ENTERPRISE.uscc, responsible_person_ids=[REP.key]),
            headers=INITIATOR,
        )
        assert created.status_code == 201, created.text

        # 1. B recognises A's listing: its check on the company A's enterprise holds hits it.
        summary = _sync(env_b)[-1]
        assert (summary["applied"], summary["caught_up"]) == (31, True), summary
        hits = {hit["subject_id"]: hit for hit in _check(env_b, tmp_path / "b.log")["hits"]}
        assert ENTERPRISE.uscc in hits, hits
        assert hits[ENTERPRISE.uscc]["cross_region"] is True, hits
        assert [(e["entry_id"], e["source_region"]) for e in hits[ENTERPRISE.uscc]["entries"]] == [
            (listed, A)
        ]

        # 2. A repairs it; after the next sync B no longer hits it.
        repair = httpx.post(
            f"{url_a}/v1/entries/{listed}/repair",
            json={"evidence": "已缴清税款并完成整改"},
            headers=INITIATOR,
        )
        assert repair.status_code == 201, repair.text
        decided = httpx.post(
            f"{url_a}/v1/repairs/{repair.json()['repair_id']}/decide",
            json={"approve": True, "reason": "符合信用修复条件"},
            headers=INITIATOR,
        )
        assert decided.status_code == 200, decided.text
        assert _sync(env_b)[-1]["applied"] == 1
        hit_ids = {hit["subject_id"] for hit in _check(env_b, tmp_path / "b.log")["hits"]}
        assert ENTERPRISE.uscc not in hit_ids, hit_ids

        # 3. 40 more listings; B's sync is killed after three pages, then resumes from its cursor.
        for n, org in enumerate(BULK[:20]):
            for suffix in ("a", "b"):
                body = _entry_body(f"430923-K-{n}{suffix}", org.uscc, reason=f"第{n}{suffix}号失信行为")
                response = httpx.post(f"{url_a}/v1/entries", json=body, headers=INITIATOR)
                assert response.status_code == 201, response.text
        _kill_after_pages(env_b, pages=3)
        with MemoryStore(dir_b, read_only=True) as b:
            assert b.peer_cursor("county-a") is not None
            stopped_at = len([e for e in b.feed_events(0, 10_000).events if e.source_region == A])
        assert 32 < stopped_at < 72, stopped_at  # mid-sync: past the first pages, short of the end
        assert _sync(env_b)[-1]["caught_up"] is True

    with MemoryStore(dir_a, read_only=True) as a, MemoryStore(dir_b, read_only=True) as b:
        sent = [(e.entry.entry_id, e.entry.version, e.seq) for e in a.feed_events(0, 10_000).events]
        relayed = [
            (e.entry.entry_id, e.entry.version, e.origin_seq)
            for e in b.feed_events(0, 10_000).events
            if e.source_region == A
        ]
        assert relayed == sent, (len(relayed), len(sent))  # same events, same order: none twice, none lost
        assert len(sent) == 72  # 30 loaded + 1 listed + its repair + 40 listed
        entries_a = a.list_entries(limit=1000)
        entries_b = {e.entry_id: e for e in b.list_entries(limit=1000) if e.source_region == A}
        assert {e.entry_id: (e.version, e.status) for e in entries_a} == {
            k: (e.version, e.status) for k, e in entries_b.items()
        }


def _kill_after_pages(env: dict[str, str], *, pages: int) -> None:
    """Start B's sync slowly (3 events a page, a pause between), SIGKILL it after ``pages`` pages."""
    proc = subprocess.Popen(
        [CLI, "sync", "--peer", "county-a", "--limit", "3", "--pause", "0.3"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    seen = 0
    for line in proc.stdout:
        if line.startswith("{") and "position" in line:
            seen += 1
            if seen == pages:
                break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=20)
    assert seen == pages and proc.returncode == -signal.SIGKILL, (seen, proc.returncode, proc.stderr)
