"""A hub person's reaches held per data version answer every check exactly as computing them afresh.

The contract and parity suites run checks whose persons have few links; these build a person named by
more than :data:`HUB_LINKS` entries' links and prove the held answer is the fresh one, and that a write,
another date, another catalog or another store is never answered from what was held.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from graph_service.domain.measures import Catalog, Scenario
from graph_service.domain.model import EntryStatus, ListEntry, Organization, Person
from graph_service.services.checks import held_reaches
from graph_service.services.checks.catalog import default_catalog
from graph_service.services.checks.held_reaches import HUB_LINKS, HeldReaches, PersonReaches, held_for
from graph_service.services.checks.models import CheckRequest, CheckResult
from graph_service.services.checks.related_party import collect_reaches, run_check
from graph_service.store.memory import MemoryStore
from tests.contract.builders import LEGAL_REP, make_link, rel
from tests.factories import make_entry, make_org, make_person

TODAY = dt.date(2024, 6, 1)
CATALOG = default_catalog()


@contextmanager
def _hub_store(extra: int = 0) -> Iterator[tuple[MemoryStore, Person, list[Organization], list[ListEntry]]]:
    """A store with a person who represents HUB_LINKS + 2 (+ ``extra``) listed companies, two of whose
    entries are disputed and one ends before TODAY, and who is on the black list himself; closed after."""
    store = MemoryStore(None)
    person, orgs = make_person(1), [make_org(n) for n in range(1, HUB_LINKS + 3 + extra)]
    store.upsert_organizations(orgs)
    store.upsert_persons([person])
    store.upsert_relations([rel(LEGAL_REP, person, org, dt.date(2020, 1, 1)) for org in orgs])
    entries = [make_entry(f"E-{n:03d}", org.key) for n, org in enumerate(orgs)]
    entries[1] = make_entry("E-001", orgs[1].key, status=EntryStatus.DISPUTED)
    entries[2] = make_entry("E-002", orgs[2].key, status=EntryStatus.DISPUTED)
    entries[3] = make_entry("E-003", orgs[3].key, valid_until=dt.date(2024, 3, 1))
    own = make_entry("P-001", person.key)
    store.upsert_entries([*entries, own])
    pairs = zip(entries, orgs, strict=True)
    store.replace_links({e.entry_id: [make_link(person, e.entry_id, org, LEGAL_REP)] for e, org in pairs})
    try:
        yield store, person, orgs, entries
    finally:
        store.close()


def _check(store: MemoryStore, subject_id: str, as_of: dt.date = TODAY, depth: int = 1) -> dict[str, Any]:
    request = CheckRequest(subject_id=subject_id, scenario=Scenario.BIDDING, depth=depth)
    result = run_check(store, CATALOG, request, as_of=as_of, fan_out_limit=500)
    return _comparable(result)


def _comparable(result: CheckResult) -> dict[str, Any]:
    dumped = result.model_dump(mode="json")
    dumped.pop("check_id")
    dumped.pop("data_version")  # the count of writes, which a store built anew in fewer writes differs in
    return dumped


def _fresh(subject_id: str, as_of: dt.date = TODAY, depth: int = 1, extra: int = 0) -> dict[str, Any]:
    """The check on a store built anew and nothing held for it (its first check of the hub)."""
    with _hub_store(extra) as (store, *_):
        return _check(store, subject_id, as_of, depth)


def test_the_held_reaches_of_a_hub_equal_the_reaches_collected_afresh() -> None:
    with _hub_store() as (store, person, orgs, _):
        view = store.check_view(orgs[0].key, depth=2, as_of=TODAY, limit_per_node=500)
        ids = sorted(view.neighbourhood.paths)
        plain = collect_reaches(view, ids, TODAY, CATALOG)
        held = HeldReaches()
        for _ in range(2):  # computed into the holding, then read from it
            with_held = collect_reaches(view, ids, TODAY, CATALOG, held)
            assert person.key in with_held.held
            for field in ("effective", "suspended", "own_entries"):
                assert dict(getattr(with_held, field)) == dict(getattr(plain, field)), field
            assert with_held.entries == plain.entries
        assert len(with_held.effective[person.key]) > HUB_LINKS  # the hub really is one
        assert [e.entry_id for e in with_held.suspended[person.key]] == ["E-001", "E-002"]


def test_a_view_not_read_in_one_snapshot_is_never_held_from() -> None:
    with _hub_store() as (store, person, orgs, _):
        view = store.check_view(orgs[0].key, depth=2, as_of=TODAY, limit_per_node=500)
        assert view.snapshot
        racing = dataclasses.replace(view, snapshot=False)  # as a Neo4j view may have raced a write
        held = HeldReaches()
        state = collect_reaches(racing, sorted(racing.neighbourhood.paths), TODAY, CATALOG, held)
        assert len(held) == 0 and not state.held
        assert len(state.effective[person.key]) > HUB_LINKS  # computed as without a holding


def test_checks_reaching_a_held_hub_answer_as_a_fresh_store_does() -> None:
    with _hub_store() as (store, person, orgs, _):
        for subject in (orgs[0].key, orgs[5].key, person.key, orgs[0].key):
            seen = _check(store, subject)
            assert seen == _fresh(subject), subject
        hub_hit = next(h for h in _check(store, orgs[0].key)["hits"] if h["subject_id"] == person.key)
        assert len(hub_hit["measures"]) > HUB_LINKS and hub_hit["entries"][0]["entry_id"] == "P-001"
        assert _check(store, orgs[0].key, depth=2) == _fresh(orgs[0].key, depth=2)


def test_a_write_after_a_check_is_seen_by_the_next_check_of_the_hub() -> None:
    with _hub_store() as (store, person, orgs, entries):
        before = _check(store, orgs[0].key)
        # One more listed company the hub represents: the same data as a store built with it.
        org = make_org(HUB_LINKS + 3)
        store.upsert_organizations([org])
        store.upsert_relations([rel(LEGAL_REP, person, org, dt.date(2020, 1, 1))])
        entry = make_entry(f"E-{HUB_LINKS + 2:03d}", org.key)
        store.upsert_entries([entry])
        store.replace_links({entry.entry_id: [make_link(person, entry.entry_id, org, LEGAL_REP)]})
        after = _check(store, orgs[0].key)
        assert after != before
        assert after == _fresh(orgs[0].key, extra=1)
        # A dispute decided: the suspended entry is enforced again, at once.
        store.upsert_entries([entries[1].model_copy(update={"status": EntryStatus.ACTIVE})])
        hub = next(h for h in _check(store, orgs[0].key)["hits"] if h["subject_id"] == person.key)
        assert "E-001" in {m["entry_id"] for m in hub["measures"]}


def test_another_date_is_not_answered_from_what_was_held_for_one() -> None:
    with _hub_store() as (store, _, orgs, _):
        early = dt.date(2024, 2, 1)  # E-003 still in validity
        assert _check(store, orgs[0].key) == _fresh(orgs[0].key)
        assert _check(store, orgs[0].key, as_of=early) == _fresh(orgs[0].key, as_of=early)
        assert _check(store, orgs[0].key, as_of=early) != _check(store, orgs[0].key)


def test_two_stores_at_the_same_data_version_hold_apart() -> None:
    with _hub_store() as (first, person, orgs, _), _hub_store() as (second, *_):
        # Same history of writes but the last: the second store's hub has no entry of his own.
        second.upsert_entries([make_entry("P-001", person.key, status=EntryStatus.REVOKED)])
        first.upsert_entries([make_entry("P-002", person.key, status=EntryStatus.REVOKED)])
        assert first.data_version() == second.data_version()
        a, b = _check(first, orgs[0].key), _check(second, orgs[0].key)
        hub_a = next(h for h in a["hits"] if h["subject_id"] == person.key)
        hub_b = next(h for h in b["hits"] if h["subject_id"] == person.key)
        assert [e["entry_id"] for e in hub_a["entries"]] == ["P-001"]
        assert hub_b["entries"] == []
        assert held_for(first) is not held_for(second)


def _reaches() -> PersonReaches:
    return PersonReaches(own_entries=(), effective=(), suspended=(), entries={}, hit=None)


def test_the_holding_answers_only_for_the_version_and_catalog_it_was_computed_for() -> None:
    held, calls = HeldReaches(), []

    def compute(tag: str) -> PersonReaches:
        calls.append(tag)
        return _reaches()

    first = held.get(5, "p", TODAY, CATALOG, lambda: compute("v5"))
    assert held.get(5, "p", TODAY, CATALOG, lambda: compute("again")) is first
    other = Catalog.model_validate(CATALOG.model_dump())  # equal, but not the catalog held
    assert held.get(5, "p", TODAY, other, lambda: compute("other catalog")) is not first
    after_write = held.get(6, "p", TODAY, CATALOG, lambda: compute("v6"))
    assert held.get(6, "p", TODAY, CATALOG, lambda: compute("v6 again")) is after_write
    # An older version (a read that raced the write, or a restored backup) is never answered from v6.
    held.get(5, "p", TODAY, CATALOG, lambda: compute("v5 after v6"))
    held.get(6, "p", TODAY, CATALOG, lambda: compute("v6 after v5"))
    assert calls == ["v5", "other catalog", "v6", "v5 after v6", "v6 after v5"]


def test_the_holding_starts_again_past_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(held_reaches, "BUDGET", 3)  # each empty PersonReaches counts 1
    held, calls = HeldReaches(), []

    def compute(person: str) -> PersonReaches:
        calls.append(person)
        return _reaches()

    for person in ("a", "b", "c", "d", "a", "d"):
        held.get(1, person, TODAY, CATALOG, functools.partial(compute, person))
    assert calls == ["a", "b", "c", "d", "a"]  # "d" found it full: a, b, c were let go; d stays
