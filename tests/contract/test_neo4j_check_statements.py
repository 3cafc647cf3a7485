"""A check on Neo4j is one statement, a person's possible matches included; their name lookup seeks.

A check of a person used to add a name search and one ``entries_for`` per candidate debtor after the
view's statement (94 % of a 10k batch). The masked debtors of the person's name now come inside
``get_check_view`` (``get_check_views`` for a batch): these tests count the statements the driver sends
during a check, and read the plans of both statements for how the name is looked up.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from graph_service.domain.masked_ids import masked_debtor_key
from graph_service.domain.model import Person
from graph_service.services.checks.catalog import default_catalog
from graph_service.services.checks.models import CheckRequest
from graph_service.services.checks.related_party import run_check
from graph_service.store.base import GraphStore
from tests.contract.test_neo4j_plan import Explain, _access_leaves, _kind, _operators, explain
from tests.factories import make_entry, make_org, make_person

__all__ = ["explain"]  # the plan fixture, shared with test_neo4j_plan

TODAY = dt.date(2025, 6, 1)


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Counts of what the driver sends: auto-commit statements, statements in transactions, transactions."""
    from neo4j import Session
    from neo4j._sync.work.transaction import TransactionBase

    sent: Counter[str] = Counter()

    def counting(kind: str, original: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            sent[kind] += 1
            return original(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(Session, "run", counting("auto-commit", Session.run))
    monkeypatch.setattr(TransactionBase, "run", counting("in transaction", TransactionBase.run))
    monkeypatch.setattr(Session, "execute_read", counting("read transaction", Session.execute_read))
    monkeypatch.setattr(Session, "begin_transaction", counting("transaction", Session.begin_transaction))
    yield sent


def _person_with_namesakes(store: GraphStore) -> Person:
    person = make_person(1, birth="19940101", name="张三")
    org = make_org(1)
    debtor = Person(key=masked_debtor_key(person.key[:10] + "********", "张三"), name="张三")
    other = Person(key=masked_debtor_key("110101197001******", "张三"), name="张三")
    store.upsert_organizations([org])
    store.upsert_persons([person, debtor, other, make_person(2, name="张三")])
    store.upsert_entries([make_entry("430923-C-0001", debtor.key), make_entry("430923-C-0002", other.key)])
    return person


@pytest.mark.neo4j
def test_a_person_check_with_possible_matches_is_one_auto_commit_statement(
    neo4j_store: GraphStore, statements: Counter[str]
) -> None:
    neo4j_store.clear()
    person = _person_with_namesakes(neo4j_store)
    request = CheckRequest(subject_id=person.key, scenario="bidding", as_of=TODAY)
    statements.clear()

    result = run_check(neo4j_store, default_catalog(), request, as_of=TODAY, fan_out_limit=200)

    assert [m.subject_id for m in result.possible_matches] == [
        masked_debtor_key(person.key[:10] + "********", "张三")
    ]
    assert statements == Counter({"auto-commit": 1}), statements


@pytest.mark.neo4j
def test_a_batch_of_person_checks_is_one_statement_per_chunk(
    neo4j_store: GraphStore, statements: Counter[str]
) -> None:
    neo4j_store.clear()
    person = _person_with_namesakes(neo4j_store)
    keys = [person.key, make_person(2).key, make_org(1).key]
    catalog = default_catalog()
    statements.clear()

    views = neo4j_store.check_views(keys, depth=2, as_of=TODAY, limit_per_node=200)
    for key, view in zip(keys, views, strict=True):
        request = CheckRequest(subject_id=key, scenario="bidding", as_of=TODAY)
        run_check(neo4j_store, catalog, request, as_of=TODAY, fan_out_limit=200, view=view)

    assert len(views[0].namesakes) == 2
    assert statements == Counter({"read transaction": 1, "in transaction": 1}), statements


@pytest.mark.neo4j
@pytest.mark.parametrize("statement", ["get_check_view", "get_check_views"])
def test_the_masked_namesakes_are_found_by_a_range_index_seek_on_the_name(
    explain: Explain, statement: str
) -> None:
    person = make_person(1).key
    plan = explain(statement, key=person, keys=[person], depth=2, as_of=TODAY, limit=200)

    leaves = _access_leaves(plan)
    scans = [_kind(op) for op in _operators(plan) if _kind(op).endswith("Scan")]

    assert any(
        kind == "NodeIndexSeek" and "RANGE INDEX d:Subject(name)" in details for kind, details in leaves
    ), leaves
    assert all(kind in ("NodeUniqueIndexSeek", "NodeIndexSeek") for kind, _ in leaves), leaves
    assert scans == [], scans
