"""On every backend, a check reaching a hub person answers the same held or not held.

A person with at least ``HUB_LINKS`` personal links has what reaches them held per data version
(:mod:`graph_service.services.checks.held_reaches`) where the view was read in one snapshot (the embedded
store; on Neo4j nothing is held, and the test proves that too). Here the same checks run with the holding
off (the threshold out of reach: the plain path) and on (computed, then read back), on a hub with entries
of every kind that matters (active, disputed, ended, his own), at depths 1 and 2, on two dates and with
history, and after a write.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from graph_service.domain.measures import Scenario
from graph_service.domain.model import EntryStatus
from graph_service.services.checks import related_party
from graph_service.services.checks.catalog import default_catalog
from graph_service.services.checks.held_reaches import HUB_LINKS, held_for
from graph_service.services.checks.models import CheckRequest
from graph_service.store.base import GraphStore
from tests.contract.builders import DIRECTOR, LEGAL_REP, make_link, rel
from tests.factories import make_entry, make_org, make_person

TODAY = dt.date(2024, 6, 1)
CATALOG = default_catalog()


def _hub(store: GraphStore) -> tuple[str, list[str]]:
    person, other = make_person(1), make_person(2)
    orgs = [make_org(n) for n in range(1, HUB_LINKS + 4)]
    store.upsert_organizations(orgs)
    store.upsert_persons([person, other])
    store.upsert_relations(
        [rel(LEGAL_REP, person, org, dt.date(2020, 1, 1)) for org in orgs]
        + [rel(DIRECTOR, other, orgs[0], dt.date(2021, 1, 1))]
    )
    entries = [make_entry(f"E-{n:03d}", org.key) for n, org in enumerate(orgs)]
    entries[1] = make_entry("E-001", orgs[1].key, status=EntryStatus.DISPUTED)
    entries[2] = make_entry("E-002", orgs[2].key, valid_until=dt.date(2024, 3, 1))
    store.upsert_entries([*entries, make_entry("P-001", person.key)])
    store.replace_links(
        {
            e.entry_id: [make_link(person, e.entry_id, org, LEGAL_REP)]
            for e, org in zip(entries, orgs, strict=True)
        }
    )
    return person.key, [org.key for org in orgs]


def _answers(store: GraphStore, subjects: list[str]) -> list[dict[str, Any]]:
    out = []
    for subject in subjects:
        for depth, as_of, history in (
            (1, TODAY, False),
            (2, TODAY, False),
            (2, dt.date(2024, 2, 1), False),
            (2, TODAY, True),
        ):
            request = CheckRequest(
                subject_id=subject, scenario=Scenario.BIDDING, depth=depth, include_history=history
            )
            result = related_party.run_check(store, CATALOG, request, as_of=as_of, fan_out_limit=500)
            dumped = result.model_dump(mode="json")
            dumped.pop("check_id")
            out.append(dumped)
    return out


def test_a_check_reaching_a_hub_answers_the_same_held_or_not(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    person, orgs = _hub(store)
    subjects = [orgs[0], person, orgs[3]]
    with monkeypatch.context() as plain:
        plain.setattr(related_party, "HUB_LINKS", 1 << 30)
        expected = _answers(store, subjects)
    computed, read_back = _answers(store, subjects), _answers(store, subjects)
    assert computed == expected
    assert read_back == expected
    # Held only from views read in one snapshot: the embedded store's, not Neo4j's (read committed).
    snapshot = store.check_view(orgs[0], depth=1, as_of=TODAY, limit_per_node=500).snapshot
    assert snapshot is (store.__class__.__name__ == "MemoryStore")
    assert (len(held_for(store)) > 0) is snapshot
    hub_hit = next(h for h in expected[0]["hits"] if h["subject_id"] == person)
    assert len(hub_hit["measures"]) > HUB_LINKS  # the hub's part of the hit is a large one

    store.upsert_entries([make_entry("E-001", orgs[1], status=EntryStatus.ACTIVE)])  # the dispute decided
    with monkeypatch.context() as plain:
        plain.setattr(related_party, "HUB_LINKS", 1 << 30)
        expected_after = _answers(store, subjects)
    assert _answers(store, subjects) == expected_after != expected
