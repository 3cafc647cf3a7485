"""The API's audit log is the store's own: on Neo4j the chain `graph-service audit verify` checks.

The first wave probed the store for a ``driver`` attribute, found none on :class:`Neo4jStore` and wrote
the audit of a Neo4j deployment to a local file: `audit verify` then checked a chain nobody wrote and
replicas behind a load balancer each kept their own. These tests build the app the production way
(no audit log passed in) and count the checks it made in the chain the CLI verifies.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from graph_service.audit import FileAuditLog
from graph_service.config import Settings, get_settings
from graph_service.domain.model import Organization
from graph_service.store.memory import MemoryStore
from tests.factories import make_org

KEYS = {"k-pairing-approval-0001": {"role": "approval", "name": "county-approvals"}}
APPROVAL = {"X-API-Key": "k-pairing-approval-0001"}
USCC = make_org(1).uscc


def _checks(app: Any, count: int) -> None:
    with TestClient(app) as client:
        for _ in range(count):
            response = client.post(
                "/v1/checks", json={"subject_id": USCC, "scenario": "public_procurement"}, headers=APPROVAL
            )
            assert response.status_code == 200, response.text


def _verified_count(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> int:
    from graph_service.cli.main import app

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["audit", "verify"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    found = re.match(r"OK: (\d+) audit records, hash chain intact", result.output.strip())
    assert found is not None, result.output
    return int(found.group(1))


def _organisation() -> Organization:
    return make_org(1)


@pytest.mark.memory
def test_the_embedded_app_audits_into_its_data_dir_where_verify_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = MemoryStore(tmp_path)
    store.upsert_organizations([_organisation()])
    app = create_app(Settings(api_keys=KEYS, data_dir=tmp_path), store=store)
    assert isinstance(app.state.ctx.audit, FileAuditLog)
    _checks(app, 3)  # the app's lifespan closes the audit log; the store stays the test's
    store.close()

    monkeypatch.delenv("GRAPH_SERVICE_NEO4J_URI", raising=False)
    assert _verified_count(monkeypatch, {"GRAPH_SERVICE_DATA_DIR": str(tmp_path)}) == 3


@pytest.mark.neo4j
def test_the_app_over_neo4j_audits_into_neo4j_and_verify_counts_its_checks(
    neo4j_connection: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph_service.audit.neo4j import Neo4jAuditLog
    from graph_service.store.neo4j import Neo4jStore

    env = {
        "GRAPH_SERVICE_NEO4J_URI": neo4j_connection.uri,
        "GRAPH_SERVICE_NEO4J_USER": neo4j_connection.user,
        "GRAPH_SERVICE_NEO4J_PASSWORD": neo4j_connection.password,
        "GRAPH_SERVICE_NEO4J_DATABASE": neo4j_connection.database,
        # A data dir the file audit would have gone to: it must stay empty.
        "GRAPH_SERVICE_DATA_DIR": str(tmp_path),
    }
    before = _verified_count(monkeypatch, env)
    store = Neo4jStore(
        uri=neo4j_connection.uri,
        user=neo4j_connection.user,
        password=neo4j_connection.password,
        database=neo4j_connection.database,
    )
    try:
        store.clear()
        store.upsert_organizations([_organisation()])
        app = create_app(Settings(api_keys=KEYS), store=store)
        assert isinstance(app.state.ctx.audit, Neo4jAuditLog)
        _checks(app, 2)
    finally:
        store.close()

    assert _verified_count(monkeypatch, env) == before + 2
    assert not (tmp_path / "audit.jsonl").exists()
