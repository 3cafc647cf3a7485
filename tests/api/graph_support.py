"""Support for the ``/v1/graph`` tests: an app around a given store, keys by role, and small helpers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from api.app import create_app
from graph_service.audit import AuditRecord, MemoryAuditLog
from graph_service.config import Settings
from graph_service.domain.model import ListEntry, Organization, Person, Relation
from graph_service.store.base import GraphStore

KEYS = {
    "k-graph-investigator-0001": {"role": "investigator", "name": "inspector"},
    "k-graph-admin-0001": {"role": "admin", "name": "ops"},
    "k-graph-approval-0001": {"role": "approval", "name": "county-approvals"},
}
INVESTIGATOR, ADMIN, APPROVAL = ({"X-API-Key": key} for key in KEYS)


@dataclass
class GraphApi:
    client: TestClient
    audit: MemoryAuditLog
    store: GraphStore

    def get(self, path: str, headers: dict[str, str] | None = None, /, **params: Any) -> Response:
        """GET with query ``params`` (investigator's key unless ``headers`` say otherwise)."""
        response: Response = self.client.get(path, params=params, headers=headers or INVESTIGATOR)
        return response

    def ok(self, path: str, **params: Any) -> dict[str, Any]:
        """GET as an investigator and return the JSON body of a 200 (or fail with the body)."""
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def audited(self, action: str = "graph.explore") -> list[AuditRecord]:
        return self.audit.query(action=action, limit=1000)


@contextmanager
def open_graph_api(store: GraphStore, tmp_path: Path, **settings: Any) -> Iterator[GraphApi]:
    audit = MemoryAuditLog()
    app = create_app(
        settings=Settings(api_keys=KEYS, data_dir=tmp_path, **settings), store=store, audit_log=audit
    )
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield GraphApi(client=client, audit=audit, store=store)
    finally:
        audit.close()


def load(
    store: GraphStore,
    orgs: Sequence[Organization] = (),
    persons: Sequence[Person] = (),
    relations: Sequence[Relation] = (),
    entries: Sequence[ListEntry] = (),
) -> None:
    """Store the rows in dependency order."""
    if orgs:
        store.upsert_organizations(orgs)
    if persons:
        store.upsert_persons(persons)
    if relations:
        store.upsert_relations(relations)
    if entries:
        store.upsert_entries(entries)


def node_ids(body: dict[str, Any], *, placeholders: bool = False) -> set[str]:
    """Ids of the subject nodes (and, if asked, the placeholder nodes) of a Cytoscape answer."""
    return {n["data"]["id"] for n in body["elements"]["nodes"] if placeholders or n["data"]["kind"] != "more"}


def nodes_by_id(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["data"]["id"]: n["data"] for n in body["elements"]["nodes"]}


def edges_by_id(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["data"]["id"]: e["data"] for e in body["elements"]["edges"] if e["data"]["role"] != "more"}


def placeholders(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [n["data"] for n in body["elements"]["nodes"] if n["data"]["kind"] == "more"]
