"""Two county processes on 127.0.0.1: B, not cleared for full ID numbers, recognises A's personal
sanction of a person B knows, matched by the federation's pseudonym, and B's check of that person hits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest

from graph_service.domain.model import RelationKind
from graph_service.store.memory import MemoryStore
from tests.e2e.test_federation import (
    APPROVAL,
    ENTERPRISE,
    INITIATOR,
    REP,
    _counties,
    _entry_body,
    _free_port,
    _serve,
    _sync,
)
from tests.factories import make_relation

FEDERATION = {"federation_keys": {"2026a": "federation-key-2026a-of-hunan-xx"}, "federation_key_id": "2026a"}


def _seed(dir_a: Path, dir_b: Path) -> None:
    """A's enterprise and its legal representative; B's registry knows the same person (no relation)."""
    with MemoryStore(dir_a) as a:
        a.upsert_organizations([ENTERPRISE])
        a.upsert_persons([REP])
        a.upsert_relations(
            [make_relation(RelationKind.LEGAL_REPRESENTATIVE, REP.key, ENTERPRISE.uscc, dt.date(2020, 1, 1))]
        )
    with MemoryStore(dir_b) as b:
        b.upsert_persons([REP])


@pytest.mark.slow
def test_a_peer_not_cleared_for_ids_applies_a_personal_sanction_to_its_own_person(tmp_path: Path) -> None:
    dir_a, dir_b = tmp_path / "a", tmp_path / "b"
    _seed(dir_a, dir_b)
    port_a = _free_port()
    env_a, env_b = _counties(dir_a, dir_b, port_a, cleared=False, **FEDERATION)
    personal, listed = "430923-B-2026-P001", "430923-B-2026-0001"

    with _serve(env_a, port_a, tmp_path / "a.log") as url_a:
        for body in (
            _entry_body(personal, REP.key),
            _entry_body(listed, ENTERPRISE.uscc, responsible_person_ids=[REP.key]),
        ):
            created = httpx.post(f"{url_a}/v1/entries", json=body, headers=INITIATOR)
            assert created.status_code == 201, created.text
        summary = _sync(env_b)[-1]

    assert (summary["applied"], summary["skipped"]) == (2, {}), summary
    with _serve(env_b, _free_port(), tmp_path / "b.log") as url_b:
        checked = httpx.post(
            f"{url_b}/v1/checks", json={"subject_id": REP.key, "scenario": "bidding"}, headers=APPROVAL
        )
    assert checked.status_code == 200, checked.text
    result = checked.json()
    assert result["verdict"] == "block", result
    assert {m["entry_id"] for m in result["measures"]} >= {personal}, result
