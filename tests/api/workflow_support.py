"""Support for the workflow's API tests: an app on a chosen day, keys per role, entries made over HTTP.

The app's clock (:func:`api.clock.now`) is replaced by :class:`Clock`, so a test sets the day it acts on
(created on 31 January, looked at on 22 and 23 February) instead of depending on today's date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.clock import now
from graph_service.audit import MemoryAuditLog
from graph_service.config import Settings
from graph_service.domain.model import RelationKind
from graph_service.store.base import GraphStore
from tests.factories import make_entry, make_org, make_person, make_relation

TAX = "国家税务总局测试县税务局"  # make_entry's initiating department, and the initiator key's name
KEYS = {
    "k-tax-0123456789": {"role": "initiator", "name": TAX},
    "k-impl-0123456789": {"role": "implementer", "name": "市场监管部门"},
    "k-approval-0123456789": {"role": "approval", "name": "county-approvals"},
    "k-public-0123456789": {"role": "public", "name": "portal"},
    "k-admin-0123456789": {"role": "admin", "name": "admin"},
}
INITIATOR, IMPLEMENTER, APPROVAL, PUBLIC, ADMIN = ({"X-API-Key": k} for k in KEYS)
ORG = make_org(1)
REP = make_person(1)  # ORG's legal representative since 2020
MARKET = "市场监管部门"  # an implementing department of market_ban (two tasks per black tax entry)


class Clock:
    """The instant the app believes it is; :meth:`on` moves it to noon UTC of a day."""

    def __init__(self, day: dt.date) -> None:
        self.at = dt.datetime.combine(day, dt.time(12), dt.UTC)

    def on(self, day: dt.date | str) -> None:
        day = dt.date.fromisoformat(day) if isinstance(day, str) else day
        self.at = dt.datetime.combine(day, dt.time(12), dt.UTC)


@dataclass
class Workflow:
    client: TestClient
    clock: Clock
    store: GraphStore
    audit: MemoryAuditLog

    def create(self, entry_id: str = "E-1", **fields: Any) -> dict[str, Any]:
        """Initiate an entry on ORG (black, tax, act 2024-01-02 unless ``fields`` say otherwise)."""
        fields.setdefault("act_on", dt.date(2024, 1, 2))
        body = make_entry(entry_id, fields.pop("subject_id", ORG.uscc), **fields).model_dump(mode="json")
        r = self.client.post("/v1/entries", json=body, headers=INITIATOR)
        assert r.status_code == 201, r.text
        state: dict[str, Any] = r.json()
        return state

    def dispute(self, entry_id: str = "E-1") -> str:
        r = self.client.post(
            f"/v1/entries/{entry_id}/disputes",
            json={"grounds": "已缴清", "filed_by": ORG.name},
            headers=IMPLEMENTER,
        )
        assert r.status_code == 201, r.text
        dispute_id: str = r.json()["dispute_id"]
        return dispute_id

    def tasks(self, **params: Any) -> list[dict[str, Any]]:
        r = self.client.get("/v1/tasks", params=params, headers=IMPLEMENTER)
        assert r.status_code == 200, r.text
        views: list[dict[str, Any]] = r.json()["tasks"]
        return views


def seed(store: GraphStore) -> None:
    store.upsert_organizations([ORG])
    store.upsert_persons([REP])
    store.upsert_relations(
        [make_relation(RelationKind.LEGAL_REPRESENTATIVE, REP.key, ORG.uscc, dt.date(2020, 1, 1))]
    )


@contextmanager
def open_workflow(store: GraphStore, tmp_path: Path, day: dt.date, **settings: Any) -> Iterator[Workflow]:
    """The app on ``store`` (seeded with ORG and REP) with its clock on ``day``."""
    seed(store)
    audit = MemoryAuditLog()
    clock = Clock(day)
    settings.setdefault("rate_limit_per_minute", 0)
    app = create_app(
        settings=Settings(api_keys=KEYS, data_dir=tmp_path, **settings), store=store, audit_log=audit
    )
    app.dependency_overrides[now] = lambda: clock.at
    try:
        with TestClient(app) as client:
            yield Workflow(client=client, clock=clock, store=store, audit=audit)
    finally:
        audit.close()
