"""The API is stateless: two processes behind one load balancer on one Neo4j keep one audit chain.

Two real ``graph-service serve`` processes (127.0.0.1, their own ports) share the suite's Neo4j. Checks
are sent to both at once; afterwards ``graph-service audit verify`` — which opens the chain the store
holds, not a file — counts every one of them and finds the chain intact: the appends of both processes
were serialised on the chain's head, so it never forked.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph_service.store.neo4j import Neo4jStore
from tests.e2e.test_federation import _free_port, _serve
from tests.factories import make_org

pytestmark = pytest.mark.neo4j

CLI = str(Path(sys.executable).with_name("graph-service"))
KEYS = '{"k-lb-approval-0001": {"role": "approval", "name": "county-approvals"}}'
APPROVAL = {"X-API-Key": "k-lb-approval-0001"}
ORGS = [make_org(n) for n in range(1, 6)]
CHECKS_PER_PROCESS = 20


def _env(connection: Any, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_SERVICE_")}
    env |= {
        "GRAPH_SERVICE_NEO4J_URI": connection.uri,
        "GRAPH_SERVICE_NEO4J_USER": connection.user,
        "GRAPH_SERVICE_NEO4J_PASSWORD": connection.password,
        "GRAPH_SERVICE_NEO4J_DATABASE": connection.database,
        "GRAPH_SERVICE_API_KEYS": KEYS,
        "GRAPH_SERVICE_RATE_LIMIT_PER_MINUTE": "0",
        "GRAPH_SERVICE_DATA_DIR": str(data_dir),  # where a wrongly chosen file audit would go
    }
    return env


def _verified(env: dict[str, str]) -> int:
    done = subprocess.run([CLI, "audit", "verify"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (done.stdout, done.stderr)
    found = re.match(r"OK: (\d+) audit records, hash chain intact", done.stdout.strip())
    assert found is not None, done.stdout
    return int(found.group(1))


def test_two_api_processes_on_one_neo4j_append_to_one_intact_chain(
    neo4j_connection: Any, tmp_path: Path
) -> None:
    store = Neo4jStore(
        uri=neo4j_connection.uri,
        user=neo4j_connection.user,
        password=neo4j_connection.password,
        database=neo4j_connection.database,
    )
    try:
        store.clear()
        store.upsert_organizations(ORGS)
    finally:
        store.close()
    env = _env(neo4j_connection, tmp_path)
    before = _verified(env)

    with (
        _serve(env, _free_port(), tmp_path / "api-1.log") as first,
        _serve(env, _free_port(), tmp_path / "api-2.log") as second,
    ):

        def check(n: int) -> int:
            url = (first, second)[n % 2]
            body = {"subject_id": ORGS[n % len(ORGS)].uscc, "scenario": "bidding"}
            return httpx.post(f"{url}/v1/checks", json=body, headers=APPROVAL, timeout=30).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(check, range(2 * CHECKS_PER_PROCESS)))

    assert statuses == [200] * (2 * CHECKS_PER_PROCESS), statuses
    assert _verified(env) == before + 2 * CHECKS_PER_PROCESS
    assert not (tmp_path / "audit.jsonl").exists()
